/**
 * Our own raw snappy decoder, because snappyjs.uncompress was 32% of the CPU profile of the
 * snappy consumer benchmark (1.42M msg/s against kcat's 2.22M). On node 20, bench/codec/snappy.js
 * (medians of 11 rounds, MB/s of output) measured snappyjs -> ours: the benchmark's 200 x 100 B
 * wrapper 533 -> 957 (1.8x), 1 MiB of the same text 393 -> 749 (1.9x), 1 MiB of runs and
 * repeats 525 -> 1405 (2.7x). Nearly all of it is from copying in 4-byte words through DataView
 * instead of byte loops (a byte-loop version of this file only matched snappyjs); a multi-chunk
 * frame also skips the Buffer.concat, since snappy.ts sizes one buffer up front. Owning the loop
 * also lets every malformed input be refused with a typed error at its position.
 */
import { CorruptError } from '../errors.js';

export const SNAPPY_FIELD = 'MessageSet[].value(snappy)';

// Cutoffs measured on node 20 (ns per copy): a 4-byte-word DataView loop costs 5 ns for 16
// bytes, 18 for 64, 58 for 256 and 135 for 512, against ~60-90 for TypedArray.set on a fresh
// subarray; copyWithin (~22 ns) never beats words for a copy element (at most 64 bytes). A byte
// loop (65 ns for 64 bytes) is only for the last bytes of a block, where words would not fit.
const WORD_LITERAL_MAX = 256;
const BYTE_LITERAL_MAX = 64;

function corrupt(message: string, at: number): never {
  throw new CorruptError('bad-compression', message, at, SNAPPY_FIELD);
}

/**
 * The uncompressed length the raw block at `src[start, end)` declares in its leading varint, or
 * -1 when the varint is truncated or longer than the format's 5 bytes.
 */
export function snappyDeclaredLength(src: Uint8Array, start: number, end: number): number {
  let result = 0;
  for (let i = 0; i < 5 && start + i < end; i++) {
    const b = src[start + i]!;
    result += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return result;
  }
  return -1;
}

/**
 * The most output room a block of `src[start, end)` declaring `declared` bytes can use. No
 * element yields more than 64 bytes from 3 (a 2-byte-offset copy), so a block's bytes never
 * decode to more than 22 times their number; a block declaring more is corrupt, and is decoded
 * only into what its bytes could fill (to find where it goes wrong) rather than into its claim.
 */
export function snappyOutputRoom(declared: number, start: number, end: number): number {
  return Math.min(declared, 22 * (end - start));
}

/**
 * Decodes the raw snappy block `src[start, end)` into `dst` from `dPos` and returns its length.
 * The caller checks the declared length against its budget first; a block that does not fit in
 * `dst` is refused as too-large before anything is written. A block declaring more than it can
 * hold needs only {@link snappyOutputRoom} bytes of `dst` and always ends in bad-compression.
 * Every byte of the declared range is written when this returns, so `dst` may come from
 * Buffer.allocUnsafe.
 */
export function decodeSnappyBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dPos: number,
): number {
  const len = snappyDeclaredLength(src, start, end);
  if (len < 0) corrupt('malformed snappy length varint', start);
  // Equal to `len` unless the block is corrupt; every write below stays inside `room`.
  const room = snappyOutputRoom(len, start, end);
  if (room > dst.length - dPos) {
    throw new CorruptError(
      'too-large',
      `snappy block declares ${len} bytes, only ${dst.length - dPos} are available`,
      start,
      SNAPPY_FIELD,
    );
  }
  let s = start + 1;
  while (src[s - 1]! >= 0x80) s++;
  // A view starting at 0: with the byte-loop version, 1 MiB framed input decoded ~45% faster
  // into per-block views than at growing offsets of one large buffer (node 20). One object.
  const out = dPos === 0 && room === dst.length ? dst : dst.subarray(dPos, dPos + room);
  let d = 0;
  // Fast paths copy in whole 4-byte words and may write up to 15 bytes past the element; that
  // is harmless because everything after `d` is written again before the block is done, and
  // they only run where the words stay inside the input block and the output block.
  const sv = new DataView(src.buffer, src.byteOffset, src.length);
  const ov = new DataView(out.buffer, out.byteOffset, out.length);
  // A short literal is copied as four words (16 bytes) when that fits in both blocks.
  const outFast = room - 16;
  const srcFast = end - 17;
  while (s < end) {
    const tag = src[s]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = (tag >>> 2) + 1;
      let p = s + 1;
      if (n <= 16 && d <= outFast && s <= srcFast) {
        ov.setInt32(d, sv.getInt32(p, true), true);
        ov.setInt32(d + 4, sv.getInt32(p + 4, true), true);
        ov.setInt32(d + 8, sv.getInt32(p + 8, true), true);
        ov.setInt32(d + 12, sv.getInt32(p + 12, true), true);
        d += n;
        s = p + n;
        continue;
      }
      if (n > 60) {
        // 61..64: the length minus one follows in 1..4 little-endian bytes. Kept in int32 so
        // the optimiser never switches the position arithmetic to doubles; a negative value
        // (2 GiB or more) cannot fit in the block anyway.
        const extra = n - 60;
        if (extra > end - p) corrupt('truncated snappy literal length', s);
        let v = src[p]!;
        if (extra > 1) v |= src[p + 1]! << 8;
        if (extra > 2) v |= src[p + 2]! << 16;
        if (extra > 3) v |= src[p + 3]! << 24;
        p += extra;
        if (v < 0 || v >= end - p) corrupt('snappy literal overruns the block', s);
        n = v + 1;
      }
      if (n > end - p) corrupt(`snappy literal of ${n} bytes overruns the block`, s);
      if (n > room - d) corrupt(`snappy literal of ${n} bytes overruns the declared length ${len}`, s);
      if (n <= WORD_LITERAL_MAX && n + 3 <= end - p && n + 3 <= room - d) {
        for (let w = d, q = p, stop = d + n; w < stop; w += 4, q += 4)
          ov.setInt32(w, sv.getInt32(q, true), true);
      } else if (n <= BYTE_LITERAL_MAX) copyBytes(src, p, out, d, n);
      else out.set(src.subarray(p, p + n), d);
      d += n;
      s = p + n;
      continue;
    }
    let n: number;
    let off: number;
    const at = s;
    if (kind === 1) {
      if (end - s < 2) corrupt('truncated snappy copy', s);
      n = ((tag >>> 2) & 7) + 4;
      off = ((tag >>> 5) << 8) | src[s + 1]!;
      s += 2;
    } else if (kind === 2) {
      if (end - s < 3) corrupt('truncated snappy copy', s);
      n = (tag >>> 2) + 1;
      off = src[s + 1]! | (src[s + 2]! << 8);
      s += 3;
    } else {
      if (end - s < 5) corrupt('truncated snappy copy', s);
      n = (tag >>> 2) + 1;
      // int32 on purpose (see the literal length): 2 GiB or more turns negative and is refused.
      off = src[s + 1]! | (src[s + 2]! << 8) | (src[s + 3]! << 16) | (src[s + 4]! << 24);
      s += 5;
    }
    if (off === 0) corrupt('snappy copy with offset 0', at);
    if (off < 0 || off > d) corrupt(`snappy copy offset ${off >>> 0} reaches before the block`, at);
    if (n > room - d) corrupt(`snappy copy of ${n} bytes overruns the declared length ${len}`, at);
    if (off >= 4 && n + 3 <= room - d) {
      // Word by word forwards is exact for any off >= 4: each word reads only bytes that are
      // already final, so overlapping copies (4 <= off < n) come out right too.
      for (let w = d, from = d - off, stop = d + n; w < stop; w += 4, from += 4) {
        ov.setInt32(w, ov.getInt32(from, true), true);
      }
    } else if (off === 1) out.fill(out[d - 1]!, d, d + n);
    else selfCopy(out, d, off, n);
    d += n;
  }
  if (d !== len) corrupt(`snappy block ends after ${d} of its declared ${len} bytes`, end);
  return len;
}

// Indexed loops in small helpers measured faster than pointer-bumping loops inlined in the
// decoder (the optimiser inlines these).
function copyBytes(src: Uint8Array, p: number, dst: Uint8Array, d: number, n: number): void {
  for (let i = 0; i < n; i++) dst[d + i] = src[p + i]!;
}

/** Forwards, so an overlapping copy (off < n) repeats the last `off` bytes as the format says. */
function selfCopy(dst: Uint8Array, d: number, off: number, n: number): void {
  const from = d - off;
  for (let i = 0; i < n; i++) dst[d + i] = dst[from + i]!;
}
