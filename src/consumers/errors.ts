import { ErrorCode } from '../protocol/error-codes.js';
import { Kafka08Error } from '../protocol/errors.js';

/**
 * A configuration value is missing, malformed or inconsistent. Raised by the constructor, never
 * later, and it names the property (`key`) in the form the caller used it.
 */
export class ConsumerConfigError extends Kafka08Error {
  /** The property at fault, e.g. `fetch.wait.max.ms` or `fetchWaitMaxMs`. */
  readonly key: string;

  constructor(key: string, problem: string) {
    super(`invalid consumer configuration: ${key} ${problem}`);
    this.key = key;
  }
}

/** The subscribed topics have no partitions, or no broker could tell (FLINK-3061). */
export class NoPartitionsError extends Kafka08Error {
  readonly topics: readonly string[];

  constructor(topics: readonly string[], cause?: unknown) {
    super(
      `Unable to retrieve any partitions for the requested topics [${topics.join(', ')}]`,
      {},
      cause === undefined ? undefined : { cause },
    );
    this.topics = [...topics];
  }
}

/**
 * `auto.offset.reset=none` and the group has no committed offset for a partition (Kafka's
 * NoOffsetForPartition): the consumer may not guess where to start.
 */
export class NoCommittedOffsetError extends Kafka08Error {
  declare readonly topic: string;
  declare readonly partition: number;

  constructor(topic: string, partition: number) {
    super(`no committed offset for ${topic}/${partition} and auto.offset.reset is none`, {
      topic,
      partition,
    });
  }
}

/** A broker refused to store or read a committed offset. */
export class OffsetStoreError extends Kafka08Error {
  /** The broker error code, when the broker answered with one. */
  readonly code: number | undefined;
  readonly store: 'zookeeper' | 'kafka';

  constructor(
    store: 'zookeeper' | 'kafka',
    message: string,
    where: { topic?: string; partition?: number; offset?: bigint; code?: number } = {},
    cause?: unknown,
  ) {
    // The one reason a broker that serves the 0.8 protocol answers v0 offsets with 35 (2.8-3.9).
    const kraft =
      store === 'zookeeper' && where.code === ErrorCode.UNSUPPORTED_VERSION
        ? ': the cluster runs in KRaft mode, where ZooKeeper-backed offsets (OffsetCommit/OffsetFetch v0) do not exist; use offsets.storage=kafka'
        : '';
    super(`${store} offset store: ${message}${kraft}`, where, cause === undefined ? undefined : { cause });
    this.store = store;
    this.code = where.code;
  }
}

/** `restoreState` got something that is not a state this library wrote, or got it too late. */
export class InvalidStateError extends Kafka08Error {}

/** The consumer was used after `close()` (or its signal fired), or started twice. */
export class ConsumerClosedError extends Kafka08Error {
  constructor(message = 'consumer is closed') {
    super(message);
  }
}

/**
 * A group rebalance failed `rebalance.max.retries` times in a row (Kafka's
 * ConsumerRebalanceFailedException): usually owner znodes still held by another member, e.g.
 * one restarted before its old ZooKeeper session expired. The consumer owns nothing then; it
 * rebalances again on the next group change.
 */
export class ConsumerRebalanceFailedError extends Kafka08Error {
  readonly group: string;
  readonly consumerId: string;
  readonly attempts: number;

  constructor(group: string, consumerId: string, attempts: number, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super(
      `${consumerId} could not rebalance group ${group} after ${attempts} attempts${why}`,
      {},
      cause === undefined ? undefined : { cause },
    );
    this.group = group;
    this.consumerId = consumerId;
    this.attempts = attempts;
  }
}

/**
 * A `run()` handler threw or rejected. The consumer stopped there: the record (or batch) was not
 * committed, so a restart reads it again. The handler's own error is the `cause`.
 */
export class ProcessingError extends Kafka08Error {
  declare readonly topic: string;
  declare readonly partition: number;
  declare readonly offset: bigint;

  constructor(topic: string, partition: number, offset: bigint, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `processing ${topic}/${partition} at offset ${offset} failed: ${why}`,
      { topic, partition, offset },
      { cause },
    );
  }
}
