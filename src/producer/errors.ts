import { Kafka08Error } from '../protocol/errors.js';

/**
 * A producer property is missing, malformed or inconsistent. Raised by the constructor, never
 * later, naming the property (`key`) as the caller spelled it.
 */
export class ProducerConfigError extends Kafka08Error {
  /** The property at fault, e.g. `linger.ms` or `lingerMs`. */
  readonly key: string;

  constructor(key: string, problem: string) {
    super(`invalid producer configuration: ${key} ${problem}`);
    this.key = key;
  }
}

export type InvalidRecordField = 'topic' | 'partition' | 'key' | 'value' | 'record';

/** A record refused before anything was sent: bad topic name, key, value or partition. */
export class InvalidRecordError extends Kafka08Error {
  readonly field: InvalidRecordField;

  constructor(field: InvalidRecordField, problem: string, where: { topic?: string; partition?: number }) {
    super(`invalid record: ${field} ${problem}`, where);
    this.field = field;
  }
}

/**
 * A record that could never be sent: its encoded size (the 12-byte log overhead plus the message)
 * exceeds `max.request.size` or `buffer.memory`, as Kafka's RecordTooLargeException.
 */
export class RecordTooLargeError extends Kafka08Error {
  readonly sizeBytes: number;
  readonly limitBytes: number;
  readonly limitName: 'max.request.size' | 'buffer.memory';

  constructor(
    where: { topic: string; partition?: number },
    sizeBytes: number,
    limitBytes: number,
    limitName: 'max.request.size' | 'buffer.memory',
  ) {
    super(
      `record of ${sizeBytes} bytes exceeds ${limitName} (${limitBytes}) for topic ${where.topic}`,
      where,
    );
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
    this.limitName = limitName;
  }
}

/**
 * `send` waited `max.block.ms` for room in `buffer.memory` or for the topic's metadata, and got
 * neither. Nothing of the record was sent.
 */
export class MaxBlockTimeoutError extends Kafka08Error {
  readonly waitingFor: 'buffer-memory' | 'metadata';
  readonly waitedMs: number;

  constructor(
    waitingFor: 'buffer-memory' | 'metadata',
    waitedMs: number,
    where: { topic: string; partition?: number },
    cause?: unknown,
  ) {
    const what =
      waitingFor === 'buffer-memory' ? 'room in buffer.memory' : `metadata of topic ${where.topic}`;
    const last = cause instanceof Error ? `; last error: ${cause.name}: ${cause.message}` : '';
    super(
      `waited max.block.ms (${waitedMs} ms) for ${what}${last}`,
      where,
      cause === undefined ? undefined : { cause },
    );
    this.waitingFor = waitingFor;
    this.waitedMs = waitedMs;
  }
}

/**
 * The broker refused the record's batch, or it could not be delivered within `retries` retries.
 * `cause` is the last failure: a KafkaProtocolError (broker error code), a ConnectionError, or a
 * LeaderNotAvailableError. `attempts` counts the Produce requests that carried the record; with
 * more than one, the broker may hold it more than once (0.8 has no idempotent producer).
 */
export class ProduceFailedError extends Kafka08Error {
  declare readonly topic: string;
  declare readonly partition: number;
  readonly attempts: number;
  /** The broker's error code, when the broker answered with one. */
  readonly code: number | undefined;

  constructor(topic: string, partition: number, attempts: number, code: number | undefined, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `produce to ${topic}/${partition} failed after ${attempts} attempt(s): ${why}`,
      { topic, partition },
      { cause },
    );
    this.attempts = attempts;
    this.code = code;
  }
}

/** A user-supplied partitioner threw or returned something that is not one of the topic's partitions. */
export class PartitionerError extends Kafka08Error {
  constructor(topic: string, problem: string, cause?: unknown) {
    super(
      `partitioner failed for topic ${topic}: ${problem}`,
      { topic },
      cause === undefined ? undefined : { cause },
    );
  }
}

/** A user-supplied serialization schema threw or returned something that is not bytes. */
export class SerializationError extends Kafka08Error {
  constructor(topic: string, problem: string, cause?: unknown) {
    super(
      `serialization failed for topic ${topic}: ${problem}`,
      { topic },
      cause === undefined ? undefined : { cause },
    );
  }
}

/** `send` after `close()` began. */
export class ProducerClosedError extends Kafka08Error {
  constructor(topic?: string) {
    super('the producer is closed', topic === undefined ? {} : { topic });
  }
}
