import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE / zlib polynomial, as `java.util.zip.CRC32`) over `buf[start, end)`.
 *
 * Why two routines: a message-set entry is usually ~100 bytes, and there a table-driven JS loop
 * that takes a byte range wins, because it needs no `subarray` view (an allocation) and avoids the
 * native call overhead. Above {@link NATIVE_CRC_THRESHOLD} bytes Node's `zlib.crc32` (Node 20.15+)
 * is faster. The threshold was measured on the 2-core dev box (bench/codec/crc.js): at 256 bytes
 * the JS loop still wins, at 512 the native call wins. We did not use the `crc-32` package for
 * the small case: it only hashes whole buffers, so each call would need a view, which made it
 * slower than the ranged loop at every size we measured.
 */
export const NATIVE_CRC_THRESHOLD = 384;

// Slice-by-16 tables: table k maps a byte to its CRC contribution k positions further back.
const TABLE = new Int32Array(256 * 16);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = TABLE[n]!;
  for (let k = 1; k < 16; k++) {
    c = TABLE[c & 0xff]! ^ (c >>> 8);
    TABLE[k * 256 + n] = c;
  }
}

const nativeCrc32: ((data: Uint8Array, value?: number) => number) | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (zlib as unknown as { crc32: (data: Uint8Array, value?: number) => number }).crc32
    : undefined;

/** The ranged JS loop, exported for the benchmark and tests; callers use {@link crc32}. */
export function crc32Js(buf: Uint8Array, start: number, end: number): number {
  const t = TABLE;
  let c = -1;
  let i = start;
  for (; i + 16 <= end; i += 16) {
    c ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    c =
      t[3840 + (c & 0xff)]! ^
      t[3584 + ((c >>> 8) & 0xff)]! ^
      t[3328 + ((c >>> 16) & 0xff)]! ^
      t[3072 + (c >>> 24)]! ^
      t[2816 + buf[i + 4]!]! ^
      t[2560 + buf[i + 5]!]! ^
      t[2304 + buf[i + 6]!]! ^
      t[2048 + buf[i + 7]!]! ^
      t[1792 + buf[i + 8]!]! ^
      t[1536 + buf[i + 9]!]! ^
      t[1280 + buf[i + 10]!]! ^
      t[1024 + buf[i + 11]!]! ^
      t[768 + buf[i + 12]!]! ^
      t[512 + buf[i + 13]!]! ^
      t[256 + buf[i + 14]!]! ^
      t[buf[i + 15]!]!;
  }
  for (; i < end; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Unsigned CRC-32 of `buf[start, end)`; the caller guarantees the range is inside `buf`. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  if (end - start >= NATIVE_CRC_THRESHOLD && nativeCrc32 !== undefined) {
    return nativeCrc32(buf.subarray(start, end)) >>> 0;
  }
  return crc32Js(buf, start, end);
}
