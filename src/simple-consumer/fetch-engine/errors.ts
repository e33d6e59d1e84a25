import { Kafka08Error } from '../../protocol/errors.js';

/**
 * The fetch position is outside the partition's log and `autoOffsetReset` is `none`, so the
 * engine may not pick a new one. The partition stops until the caller seeks it.
 */
export class OffsetOutOfRangeError extends Kafka08Error {
  declare readonly topic: string;
  declare readonly partition: number;
  declare readonly offset: bigint;

  constructor(topic: string, partition: number, offset: bigint) {
    super(`offset ${offset} is out of range for ${topic}/${partition} and auto.offset.reset is none`, {
      topic,
      partition,
      offset,
    });
  }
}

/**
 * One message (or compressed wrapper) at `offset` does not fit the largest fetch size allowed
 * (`fetch.message.max.bytes`). A v0 broker never returns it whole, so without a larger ceiling
 * this partition cannot make progress. The engine neither stalls nor skips it: it stops the
 * partition and says so.
 */
export class MessageTooLargeError extends Kafka08Error {
  declare readonly topic: string;
  declare readonly partition: number;
  declare readonly offset: bigint;
  /** The entry's full size in bytes when the broker sent its header; undefined otherwise. */
  readonly messageBytes: number | undefined;
  readonly maxFetchBytes: number;

  constructor(
    topic: string,
    partition: number,
    offset: bigint,
    messageBytes: number | undefined,
    maxFetchBytes: number,
  ) {
    const size = messageBytes === undefined ? 'a message' : `a message of ${messageBytes} bytes`;
    super(
      `${topic}/${partition} offset ${offset}: ${size} does not fit fetch.message.max.bytes ${maxFetchBytes}`,
      { topic, partition, offset },
    );
    this.messageBytes = messageBytes;
    this.maxFetchBytes = maxFetchBytes;
  }
}

/** `next()` was called, or was waiting, when the engine was closed or its signal fired. */
export class FetchEngineClosedError extends Kafka08Error {
  constructor(cause?: unknown) {
    super('fetch engine closed', {}, cause === undefined ? undefined : { cause });
  }
}

/** A partition was named that the engine is not assigned (seek, pause, resume). */
export class UnknownAssignmentError extends Kafka08Error {
  constructor(topic: string, partition: number) {
    super(`${topic}/${partition} is not assigned to this fetch engine`, { topic, partition });
  }
}

/** The engine configuration is inconsistent (e.g. socket timeout not above max wait). */
export class FetchConfigError extends Kafka08Error {}
