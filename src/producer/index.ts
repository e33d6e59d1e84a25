export type { RecordMetadata, SendCallback } from './accumulator.js';
export type { Acks, CompressionType, ProducerConfig, ProducerOptions, ProducerProperties } from './config.js';
export { resolveProducerConfig } from './config.js';
export * from './errors.js';
export * from './flink-sink.js';
export { defaultPartitioner, murmur2, type Partitioner, type PartitionerInput } from './partitioner.js';
export { Producer } from './producer.js';
export type { ProducerMetrics } from './producer-stats.js';
export { type ProducerRecord, type RecordBytes, topicNameProblem } from './record.js';
