export * from './protocol/errors.js';
export * from './simple-consumer/index.js';
