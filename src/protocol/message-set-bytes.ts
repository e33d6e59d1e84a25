// Byte-level pieces shared by the message-set passes (full scan and header-only outline).

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
  const hi = int32(b, i);
  if (hi >= 0 && hi < 0x200000) return BigInt(hi * TWO_32 + (int32(b, i + 4) >>> 0));
  return b.readBigInt64BE(i);
}
