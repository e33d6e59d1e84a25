export * from './backoff.js';
export * from './broker-pool.js';
export * from './cluster-metadata.js';
export * from './connection.js';
export * from './errors.js';
export * from './seed-brokers.js';
