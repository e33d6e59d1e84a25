export * from './consumers/index.js';
export * from './protocol/index.js';
export * from './simple-consumer/index.js';
export * from './zookeeper/index.js';
