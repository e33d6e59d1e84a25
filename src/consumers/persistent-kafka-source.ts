import type { KafkaBrokerGeneration } from '../simple-consumer/errors.js';
import type { ConsumerProperties } from './config.js';
import { KafkaConsumerBase } from './consumer-base.js';
import { ConsumerConfigError } from './errors.js';
import type { AnySchema } from './schemas.js';

/**
 * Flink's (deprecated) PersistentKafkaSource: the same surface, offsets committed to ZooKeeper
 * when a checkpoint completes. Promised as at-least-once, the 0.9.0 guarantee, although the
 * machinery underneath is the same as the exactly-once consumers'.
 *
 * Differences from Flink's class, on purpose: it checkpoints by default (it exists to commit on
 * checkpoints); it commits offset 0 and unemitted partitions' start offsets too; restored
 * offsets are used before fetching starts; pending checkpoints are capped at 100. Like 0.9.0 it
 * refuses `auto.commit.enable=true` given explicitly and any `offsets.storage` but zookeeper.
 */
export class PersistentKafkaSource<T> extends KafkaConsumerBase<T> {
  constructor(
    topic: string | readonly string[],
    schema: AnySchema<T>,
    properties: ConsumerProperties,
    options: { brokerVersion?: KafkaBrokerGeneration } = {},
  ) {
    const explicit = properties['auto.commit.enable'] ?? properties.autoCommitEnable;
    if (explicit === true || explicit === 'true') {
      throw new ConsumerConfigError(
        'auto.commit.enable',
        'must not be true: PersistentKafkaSource commits on checkpoints',
      );
    }
    const storage = properties['offsets.storage'] ?? properties.offsetsStorage;
    if (storage !== undefined && storage !== 'zookeeper') {
      throw new ConsumerConfigError('offsets.storage', 'must be zookeeper for PersistentKafkaSource');
    }
    super(
      topic,
      schema,
      { checkpointing: true, ...properties },
      { brokerVersion: options.brokerVersion ?? '0.8.2', name: 'PersistentKafkaSource' },
    );
  }
}
