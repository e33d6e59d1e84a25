import { ErrorCode } from '../../protocol/error-codes.js';
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

/** Why a broker will not serve a partition to a Fetch v0 client. */
export type UnreadableReason = 'zstd' | 'down-conversion-disabled' | 'null-message-set';

const UNREADABLE: Record<UnreadableReason, { why: string; brokerVersion: string; remedy: string }> = {
  zstd: {
    why: 'its data is zstd-compressed (error 76 UNSUPPORTED_COMPRESSION_TYPE), and reading zstd needs Fetch v10; the 0.8 protocol has no zstd',
    brokerVersion: 'Kafka 2.1 or newer',
    remedy:
      'produce this topic with gzip, snappy, lz4 or no compression (topic config compression.type=producer or one of those codecs); data already stored as zstd stays unreadable to a 0.8 client',
  },
  'down-conversion-disabled': {
    why: 'the broker refuses to convert its data to the 0.8 message format (error 35 UNSUPPORTED_VERSION)',
    brokerVersion: 'Kafka 2.0 or newer with message.downconversion.enable=false',
    remedy: 'set message.downconversion.enable=true on the topic (or the broker)',
  },
  'null-message-set': {
    why: 'the broker answered with a null message set (size -1), which a 0.8 client cannot read',
    brokerVersion: 'Kafka 3.0 or newer',
    remedy: 'check the topic config (compression.type, message.downconversion.enable) and the broker log',
  },
};

/**
 * The leader answered this partition with an error that no retry can clear for a Kafka 0.8
 * (Fetch v0) client. Only this partition stops, until it is sought: the others fetched from the
 * same broker keep flowing.
 */
export class PartitionUnreadableError extends Kafka08Error {
  declare readonly topic: string;
  declare readonly partition: number;
  declare readonly offset: bigint;
  readonly brokerId: number;
  readonly errorCode: number;
  readonly reason: UnreadableReason;
  /** What the answer tells about the broker, e.g. "Kafka 2.1 or newer". */
  readonly brokerVersionHint: string;
  /** What the operator can do about it. */
  readonly remedy: string;

  constructor(
    topic: string,
    partition: number,
    offset: bigint,
    brokerId: number,
    errorCode: number,
    reason: UnreadableReason,
  ) {
    const { why, brokerVersion, remedy } = UNREADABLE[reason];
    super(
      `${topic}/${partition} offset ${offset}: broker ${brokerId} (${brokerVersion}) cannot serve this partition to a Kafka 0.8 client: ${why}. To read it: ${remedy}.`,
      { topic, partition, offset },
    );
    this.brokerId = brokerId;
    this.errorCode = errorCode;
    this.reason = reason;
    this.brokerVersionHint = brokerVersion;
    this.remedy = remedy;
  }
}

/** Whether a Fetch v0 answer for a partition is one no retry can clear, and why. */
export function unreadableReason(errorCode: number, nullMessageSet: boolean): UnreadableReason | undefined {
  if (errorCode === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE) return 'zstd';
  if (errorCode === ErrorCode.UNSUPPORTED_VERSION) return 'down-conversion-disabled';
  // With another error the null set just means "no data" and that error is handled as usual.
  if (nullMessageSet && errorCode === ErrorCode.NONE) return 'null-message-set';
  return undefined;
}
