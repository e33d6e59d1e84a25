/** Hand-built LZ4 frames and blocks, for inputs no compressor would write. */

/** Block maximum 64 KiB (what Kafka writes) and 4 MiB (the largest the format allows). */
export const BD_64K = 0x40;
export const BD_4M = 0x70;

export interface FrameOptions {
  bd?: number;
  contentSize?: number;
}

/** A frame of already-encoded blocks (see {@link block}) and the end mark. */
export function lz4Frame(blocks: Uint8Array[], options: FrameOptions = {}): Buffer {
  const head = [0x04, 0x22, 0x4d, 0x18, 0x60 | (options.contentSize === undefined ? 0 : 0x08)];
  head.push(options.bd ?? BD_64K);
  if (options.contentSize !== undefined) {
    const size = Buffer.alloc(8);
    size.writeUInt32LE(options.contentSize, 0);
    head.push(...size);
  }
  head.push(0); // header checksum: the reader ignores it (Kafka computes it wrongly)
  return Buffer.concat([Buffer.from(head), ...blocks, Buffer.alloc(4)]);
}

/** A block with its size word; `stored` sets bit 31 (raw bytes, not LZ4 sequences). */
export function block(body: ArrayLike<number>, stored = false): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32LE((body.length | (stored ? 0x80000000 : 0)) >>> 0, 0);
  out.set(Array.from(body), 4);
  return out;
}

function lengthBytes(n: number): number[] {
  const out: number[] = [];
  for (; n >= 255; n -= 255) out.push(255);
  out.push(n);
  return out;
}

/** Block body: `literals`, then (if `match` is given) a match, then the literal-only end. */
export function sequences(literals: ArrayLike<number>, match?: { offset: number; length: number }): number[] {
  const lit = literals.length;
  const m = match === undefined ? 0 : match.length - 4;
  const body = [(Math.min(lit, 15) << 4) | (match === undefined ? 0 : Math.min(m, 15))];
  if (lit >= 15) body.push(...lengthBytes(lit - 15));
  body.push(...Array.from(literals));
  if (match !== undefined) {
    body.push(match.offset & 0xff, match.offset >>> 8);
    if (m >= 15) body.push(...lengthBytes(m - 15));
    body.push(0); // the last sequence: no literals
  }
  return body;
}

/** What {@link sequences} decodes to, computed the slow obvious way. */
export function expected(literals: ArrayLike<number>, match?: { offset: number; length: number }): Buffer {
  const out = Array.from(literals);
  if (match !== undefined) {
    for (let i = 0; i < match.length; i++) out.push(out[out.length - match.offset]!);
  }
  return Buffer.from(out);
}
