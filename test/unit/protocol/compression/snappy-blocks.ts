// Raw snappy blocks written element by element, for the decoder tests.

export function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

export type Element =
  | { kind: 'literal'; bytes: number[]; extra: 0 | 1 | 2 | 3 | 4 }
  | { kind: 'copy'; width: 1 | 2 | 4; off: number; len: number };

/**
 * Writes a raw block element by element, and the output each element stands for, the slow
 * obvious way (one byte at a time), as the expected value.
 */
export function build(elements: Element[]): { block: Buffer; plain: Buffer } {
  const body: number[] = [];
  const plain: number[] = [];
  for (const e of elements) {
    if (e.kind === 'literal') {
      const n = e.bytes.length - 1;
      if (e.extra === 0) {
        if (n >= 60) throw new Error('test bug: a literal over 60 bytes needs extra length bytes');
        body.push(n << 2);
      } else {
        body.push((59 + e.extra) << 2);
        for (let i = 0; i < e.extra; i++) body.push(Math.floor(n / 256 ** i) & 0xff);
      }
      body.push(...e.bytes);
      plain.push(...e.bytes);
      continue;
    }
    const { off, len } = e;
    if (e.width === 1) body.push(((off >> 8) << 5) | ((len - 4) << 2) | 1, off & 0xff);
    else if (e.width === 2) body.push(((len - 1) << 2) | 2, off & 0xff, off >> 8);
    else body.push(((len - 1) << 2) | 3, off & 0xff, (off >> 8) & 0xff, (off >> 16) & 0xff, off >>> 24);
    for (let i = 0; i < len; i++) plain.push(plain[plain.length - off]!);
  }
  return { block: Buffer.from([...varint(plain.length), ...body]), plain: Buffer.from(plain) };
}

/** A frame as snappy-java writes it, around any raw blocks. */
export function frame(blocks: Uint8Array[]): Buffer {
  const parts = [Buffer.from('82534e41505059000000000100000001', 'hex')];
  for (const b of blocks) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, Buffer.from(b));
  }
  return Buffer.concat(parts);
}

export { xorshift } from '../../../helpers/xorshift.js';
