// Byte-level pieces shared by the message-set passes (full scan and header-only outline).

import { CorruptError } from './errors.js';

/** Offset (int64) and MessageSize (int32) in front of every entry. */
export const HEADER = 12;
/** Crc, Magic, Attributes and the two length fields: the smallest valid Message. */
export const MIN_MESSAGE_SIZE = 14;
export const TWO_32 = 4294967296;

/** Big-endian int32 without a bounds check: callers have already checked the entry fits. */
export function int32(b: Buffer, i: number): number {
  return (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
}

/** Offsets below 2^53 (all real ones) become a bigint with one allocation instead of readBigInt64BE's several. */
export function readOffset(b: Buffer, i: number): bigint {
  return joinOffset(int32(b, i), int32(b, i + 4) >>> 0);
}

/** The int64 whose high word is `hi` (signed) and low word `lo` (unsigned); exact for every value. */
export function joinOffset(hi: number, lo: number): bigint {
  if (hi >= 0 && hi < 0x200000) return BigInt(hi * TWO_32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The inverse of {@link joinOffset} for an int64 `offset`: [hi signed, lo unsigned]. */
export function splitOffset(offset: bigint): [hi: number, lo: number] {
  return [Number(BigInt.asIntN(32, offset >> 32n)), Number(BigInt.asUintN(32, offset))];
}

/**
 * The offset of the entry a walk passed last, as words (`hi` is -Infinity before the first).
 * Offsets within a set must rise, the rule Kafka's own log append enforces: a set that goes
 * back would move a consumer's position backwards, and a checkpoint taken after the higher
 * offset would skip the records after it on a restart.
 */
export interface OffsetMark {
  hi: number;
  lo: number;
}

export function newOffsetMark(): OffsetMark {
  return { hi: Number.NEGATIVE_INFINITY, lo: 0 };
}

/** Whether the offset `hi`:`lo` lies above `mark` (or `mark` is unset). */
export function risesAbove(mark: OffsetMark, hi: number, lo: number): boolean {
  return hi > mark.hi || (hi === mark.hi && lo > mark.lo);
}

/** The error for an entry at `pos` whose offset `hi`:`lo` does not rise above `mark`. */
export function offsetNotRising(
  mark: OffsetMark,
  hi: number,
  lo: number,
  position: number,
  field: string,
  context: { topic: string | undefined; partition: number | undefined },
): CorruptError {
  return new CorruptError(
    'bad-offset',
    `offset ${joinOffset(hi, lo)} does not follow ${joinOffset(mark.hi, mark.lo)} (offsets in a set must rise)`,
    position,
    field,
    { ...context, offset: joinOffset(hi, lo) },
  );
}
