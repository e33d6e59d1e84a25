/**
 * Every error kafka08 throws derives from {@link Kafka08Error}, so callers can tell ours from
 * Node's with one `instanceof`. Context (topic, partition, offset) rides on the error object,
 * never only inside the message text.
 */
export interface ErrorContext {
  topic?: string;
  partition?: number;
  offset?: bigint;
}

export class Kafka08Error extends Error {
  topic: string | undefined;
  partition: number | undefined;
  offset: bigint | undefined;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.topic = context.topic;
    this.partition = context.partition;
    this.offset = context.offset;
  }
}

/** Bytes from a broker (or a fixture) that could not be decoded. */
export class ProtocolDecodeError extends Kafka08Error {
  /** Byte position inside the buffer being decoded where the problem was found. */
  readonly position: number;
  /** The protocol field being read, e.g. `FetchResponse.topics[].partitions[].highWatermark`. */
  readonly field: string;

  constructor(message: string, position: number, field: string, context?: ErrorContext, cause?: unknown) {
    super(message, context, cause === undefined ? undefined : { cause });
    this.position = position;
    this.field = field;
  }
}

/** The input ended before the field was complete: more bytes would have been needed. */
export class TruncatedError extends ProtocolDecodeError {
  readonly needed: number;
  readonly available: number;

  constructor(position: number, field: string, needed: number, available: number, context?: ErrorContext) {
    super(
      `truncated input: ${field} needs ${needed} byte(s) at position ${position}, only ${available} remain`,
      position,
      field,
      context,
    );
    this.needed = needed;
    this.available = available;
  }
}

export type CorruptReason =
  | 'bad-length'
  | 'bad-crc'
  | 'bad-magic'
  | 'bad-codec'
  | 'bad-offset'
  | 'bad-compression'
  | 'too-large'
  | 'trailing-bytes'
  | 'bad-value';

/** The input is present but wrong: a CRC mismatch, an impossible length, an unknown magic byte... */
export class CorruptError extends ProtocolDecodeError {
  readonly reason: CorruptReason;
  /** What was wrong, without the reason, position and field the message starts with. */
  readonly detail: string;

  constructor(
    reason: CorruptReason,
    message: string,
    position: number,
    field: string,
    context?: ErrorContext,
    cause?: unknown,
  ) {
    super(
      `corrupt input (${reason}) at position ${position} in ${field}: ${message}`,
      position,
      field,
      context,
      cause,
    );
    this.reason = reason;
    this.detail = message;
  }
}

/** A value handed to an encoder that the wire format cannot carry (string too long, bad int range). */
export class ProtocolEncodeError extends Kafka08Error {
  readonly field: string;

  constructor(field: string, message: string, context?: ErrorContext) {
    super(`cannot encode ${field}: ${message}`, context);
    this.field = field;
  }
}
