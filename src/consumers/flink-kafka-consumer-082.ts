import type { ConsumerProperties } from './config.js';
import { KafkaConsumerBase } from './consumer-base.js';
import type { AnySchema } from './schemas.js';

/**
 * Flink's FlinkKafkaConsumer082 for Kafka 0.8.2 brokers: exactly-once through checkpoints
 * (snapshotState / restoreState / notifyCheckpointComplete), offsets committed to ZooKeeper
 * and, with `offsets.storage=kafka`, to Kafka through OffsetCommit v1 at the coordinator.
 * Topics may be one name or a list; the schema may be plain or keyed.
 */
export class FlinkKafkaConsumer082<T> extends KafkaConsumerBase<T> {
  constructor(topics: string | readonly string[], schema: AnySchema<T>, properties: ConsumerProperties) {
    super(topics, schema, properties, { brokerVersion: '0.8.2', name: 'FlinkKafkaConsumer082' });
  }
}
