/**
 * The LZ4 *block* format (sequences of token, literals, 16-bit LE offset, match length), written
 * from the format description. Both directions work on explicit ranges so the frame code never
 * has to slice; neither throws: results are reported as numbers so the caller can raise the
 * right typed error with the right position.
 */

/** Overlapping matches at least this long are copied by doubling stretches, not byte by byte. */
const LONG_OVERLAP = 64;

/** Returned by {@link decodeLz4Block} when the input is malformed. */
export const LZ4_CORRUPT = -1;
/** Returned by {@link decodeLz4Block} when the output would not fit in `dst[dStart, dEnd)`. */
export const LZ4_OVERFLOW = -2;

/**
 * A place inside a block being decoded: in `src` and in `dst`, at the start of a sequence. When
 * {@link decodeLz4Block} returns {@link LZ4_OVERFLOW} it records the sequence that did not fit;
 * handed the same object again (with `dst[dStart, at.dst)` kept and more room), it carries on
 * from there, so a caller that grows its output on demand never decodes anything twice.
 */
export interface Lz4Position {
  src: number;
  dst: number;
}

function overflowAt(at: Lz4Position | undefined, s: number, d: number): number {
  if (at !== undefined) {
    at.src = s;
    at.dst = d;
  }
  return LZ4_OVERFLOW;
}

/**
 * Decodes the block in `src[sStart, sEnd)` into `dst` from `dStart`, never writing at or past
 * `dEnd`, starting at `at` when given (see {@link Lz4Position}). Returns the number of bytes the
 * block has written from `dStart`, {@link LZ4_CORRUPT} or {@link LZ4_OVERFLOW}.
 */
export function decodeLz4Block(
  src: Uint8Array,
  sStart: number,
  sEnd: number,
  dst: Uint8Array,
  dStart: number,
  dEnd: number,
  at?: Lz4Position,
): number {
  let s = at === undefined ? sStart : at.src;
  let d = at === undefined ? dStart : at.dst;
  if (sStart >= sEnd) return LZ4_CORRUPT;
  for (;;) {
    if (s >= sEnd) return LZ4_CORRUPT;
    const sequenceSrc = s;
    const sequenceDst = d;
    const token = src[s++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= sEnd) return LZ4_CORRUPT;
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > sEnd - s) return LZ4_CORRUPT;
    if (lit > dEnd - d) return overflowAt(at, sequenceSrc, sequenceDst);
    dst.set(src.subarray(s, s + lit), d);
    s += lit;
    d += lit;
    // The last sequence carries literals only: the block ends right after them.
    if (s === sEnd) return d - dStart;
    if (sEnd - s < 2) return LZ4_CORRUPT;
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d - dStart) return LZ4_CORRUPT;
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (s >= sEnd) return LZ4_CORRUPT;
        b = src[s++]!;
        len += b;
      } while (b === 255);
    }
    if (len > dEnd - d) return overflowAt(at, sequenceSrc, sequenceDst);
    let from = d - offset;
    if (offset >= len) {
      dst.copyWithin(d, from, from + len);
      d += len;
    } else if (len < LONG_OVERLAP) {
      // Overlapping copy repeats the last `offset` bytes: must go byte by byte.
      const stop = d + len;
      while (d < stop) dst[d++] = dst[from++]!;
    } else {
      // A long run (up to 255 bytes per match-length byte, so a hostile block can be nearly all
      // run): copy the repeating pattern in stretches that double, each reading only bytes already
      // written, so the cost is a few memmoves instead of a byte loop over the whole run.
      const stop = d + len;
      while (d < stop) {
        const n = Math.min(stop - d, d - from);
        dst.copyWithin(d, from, from + n);
        d += n;
      }
    }
  }
}

/** Worst-case compressed size of `n` input bytes (all literals). */
export function lz4BlockBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

const HASH_BITS = 14;
const HASH_TABLE = new Int32Array(1 << HASH_BITS);
const MIN_MATCH = 4;
// The format requires the last 5 bytes to be literals and the last match to start at least
// 12 bytes before the end of the block.
const LAST_LITERALS = 5;
const MF_LIMIT = 12;

function readLE32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function writeLength(dst: Uint8Array, d: number, n: number): number {
  while (n >= 255) {
    dst[d++] = 255;
    n -= 255;
  }
  dst[d++] = n;
  return d;
}

/**
 * Greedy single-probe compressor: compresses `src[start, end)` into `dst` at `dPos` (which must
 * have {@link lz4BlockBound} bytes free) and returns the position after the block.
 */
export function compressLz4Block(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dPos: number,
): number {
  let d = dPos;
  let anchor = start;
  if (end - start > MF_LIMIT) {
    // Positions are stored +1 so the zero-filled table means "no candidate". One table serves
    // every call (compression is synchronous): producer batches are small and many, and a fresh
    // 64 KiB table each was most of their cost.
    const table = HASH_TABLE;
    table.fill(0);
    const mfLimit = end - MF_LIMIT;
    const matchLimit = end - LAST_LITERALS;
    let i = start;
    while (i < mfLimit) {
      const seq = readLE32(src, i);
      const h = Math.imul(seq, 0x9e3779b1) >>> (32 - HASH_BITS);
      const ref = table[h]! - 1;
      table[h] = i + 1;
      if (ref < 0 || i - ref > 0xffff || readLE32(src, ref) !== seq) {
        i++;
        continue;
      }
      let len = MIN_MATCH;
      while (i + len < matchLimit && src[ref + len] === src[i + len]) len++;
      const lit = i - anchor;
      const tokenAt = d++;
      const litCode = Math.min(lit, 15);
      if (lit >= 15) d = writeLength(dst, d, lit - 15);
      d = copyLiterals(src, anchor, i, dst, d);
      const off = i - ref;
      dst[d++] = off & 0xff;
      dst[d++] = off >>> 8;
      const m = len - MIN_MATCH;
      if (m >= 15) d = writeLength(dst, d, m - 15);
      dst[tokenAt] = (litCode << 4) | Math.min(m, 15);
      i += len;
      anchor = i;
    }
  }
  const lit = end - anchor;
  dst[d++] = Math.min(lit, 15) << 4;
  if (lit >= 15) d = writeLength(dst, d, lit - 15);
  return copyLiterals(src, anchor, end, dst, d);
}

/** Copies `src[from, to)` to `dst` at `d`; a short run by a loop, which costs less than a view. */
function copyLiterals(src: Uint8Array, from: number, to: number, dst: Uint8Array, d: number): number {
  if (to - from <= 64) {
    for (let i = from; i < to; i++) dst[d++] = src[i]!;
    return d;
  }
  dst.set(src.subarray(from, to), d);
  return d + to - from;
}
