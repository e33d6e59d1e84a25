import type { ConsumerProperties } from './config.js';
import { KafkaConsumerBase } from './consumer-base.js';
import type { AnySchema } from './schemas.js';

/**
 * Flink's FlinkKafkaConsumer081 for Kafka 0.8.1 brokers: the same contract as the 082 class,
 * but it never sends a 0.8.2-only request (ConsumerMetadata, OffsetCommit/OffsetFetch v1), which
 * a 0.8.1 broker would reject or, for a v1 commit, misparse. Offsets live in ZooKeeper only;
 * `offsets.storage=kafka` is refused at construction.
 */
export class FlinkKafkaConsumer081<T> extends KafkaConsumerBase<T> {
  constructor(topics: string | readonly string[], schema: AnySchema<T>, properties: ConsumerProperties) {
    super(topics, schema, properties, { brokerVersion: '0.8.1', name: 'FlinkKafkaConsumer081' });
  }
}
