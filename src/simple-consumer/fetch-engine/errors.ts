import { Kafka08Error, type ProtocolDecodeError } from '../../protocol/errors.js';

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

/**
 * The partition's leader answered `failures` fetches in a row with bytes that could not be
 * decoded (the decode error is the `cause`). Retrying a broker that keeps answering garbage only
 * spins, so after `maxUndecodableFetches` the partition stops here until it is sought, like any
 * other error that needs a decision.
 */
export class UndecodableResponseError extends Kafka08Error {
  declare readonly topic: string;
  declare readonly partition: number;
  declare readonly offset: bigint;
  readonly brokerId: number;
  readonly failures: number;

  constructor(
    topic: string,
    partition: number,
    offset: bigint,
    brokerId: number,
    failures: number,
    cause: ProtocolDecodeError,
  ) {
    super(
      `${topic}/${partition} offset ${offset}: broker ${brokerId} answered ${failures} fetches in a row that could not be decoded (${cause.message})`,
      { topic, partition, offset },
      { cause },
    );
    this.brokerId = brokerId;
    this.failures = failures;
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
