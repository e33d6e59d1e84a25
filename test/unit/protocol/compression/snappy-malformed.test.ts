import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  snappyCompress,
  snappyCompressRaw,
  snappyDecompress,
} from '../../../../src/protocol/compression/snappy.js';
import { decodeSnappyBlock } from '../../../../src/protocol/compression/snappy-block.js';
import { CorruptError, type CorruptReason } from '../../../../src/protocol/errors.js';

const MAX = 1 << 20;
const HEADER = Buffer.from('82534e41505059000000000100000001', 'hex');

function frame(blocks: number[][]): Buffer {
  const parts = [HEADER];
  for (const b of blocks) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, Buffer.from(b));
  }
  return Buffer.concat(parts);
}

function corruptOf(f: () => unknown): CorruptError {
  try {
    f();
  } catch (e) {
    if (e instanceof CorruptError) return e;
    throw new Error(`expected CorruptError, got ${String(e)}`);
  }
  throw new Error('expected CorruptError, but it decoded');
}

function expectCorrupt(bytes: Uint8Array, reason: CorruptReason, position?: number, max = MAX): void {
  const e = corruptOf(() => snappyDecompress(bytes, max));
  expect(e.reason).toBe(reason);
  if (position !== undefined) expect(e.position).toBe(position);
}

/** Decoding may succeed or throw CorruptError; anything else (RangeError, TypeError...) is a bug. */
function decodeOrCorrupt(bytes: Uint8Array, max = MAX): Buffer | CorruptError {
  try {
    const out = snappyDecompress(bytes, max);
    expect(out.length).toBeLessThanOrEqual(max);
    return out;
  } catch (e) {
    if (e instanceof CorruptError) return e;
    throw e;
  }
}

// Raw blocks below: [varint declared length, elements...]. Tags: literal (n-1)<<2; copy1
// (off>>8)<<5 | (len-4)<<2 | 1, off; copy2 (len-1)<<2 | 2, off LE16; copy4 (len-1)<<2 | 3, off LE32.
describe('malformed raw snappy blocks are CorruptError(bad-compression) with a position', () => {
  it.each([
    ['empty input', [], 0],
    ['truncated varint', [0x80, 0x80], 0],
    ['varint longer than 5 bytes', [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 0],
    ['literal overruns the input', [5, 4 << 2, 1, 2], 1],
    ['truncated literal length bytes (61: 1 extra)', [70, 60 << 2], 1],
    ['truncated literal length bytes (64: 4 extra)', [70, 63 << 2, 1, 0, 0], 1],
    ['4-byte literal length of 4 GiB', [70, 63 << 2, 0xff, 0xff, 0xff, 0xff, 1, 2, 3], 1],
    ['truncated 1-byte-offset copy', [8, 0, 9, 1], 3],
    ['truncated 2-byte-offset copy', [8, 0, 9, 2, 1], 3],
    ['truncated 4-byte-offset copy', [8, 0, 9, 3, 1, 0, 0], 3],
    ['copy with offset 0 (2-byte)', [5, 0, 9, ((4 - 1) << 2) | 2, 0, 0], 3],
    ['copy with offset 0 (1-byte)', [5, 0, 9, 1, 0], 3],
    ['copy with offset 0 (4-byte)', [5, 0, 9, ((4 - 1) << 2) | 3, 0, 0, 0, 0], 3],
    ['copy reaching before the block', [6, 0, 9, ((5 - 1) << 2) | 2, 2, 0], 3],
    ['4-byte offset of 4 GiB - 1', [6, 0, 9, ((5 - 1) << 2) | 3, 0xff, 0xff, 0xff, 0xff], 3],
    ['4-byte offset of 2 GiB', [6, 0, 9, ((5 - 1) << 2) | 3, 0, 0, 0, 0x80], 3],
    ['copy as first element', [4, 1, 1], 1],
    ['literal overruns the declared length', [2, 2 << 2, 1, 2, 3], 1],
    ['copy overruns the declared length', [4, 0, 9, 1, 1], 3],
    ['long copy overruns the declared length', [60, 0, 9, ((64 - 1) << 2) | 2, 1, 0], 3],
    ['output ends short of the declared length', [9, 2 << 2, 1, 2, 3], 5],
    ['declares bytes but has no elements', [3], 1],
  ])('%s', (_name, bytes, position) => {
    expectCorrupt(Buffer.from(bytes), 'bad-compression', position);
  });

  it('a 4-byte-offset copy one byte too far back is refused, one byte nearer is fine', () => {
    const lit = [15 << 2, ...Array.from({ length: 16 }, (_, i) => i)];
    expect(snappyDecompress(Buffer.from([20, ...lit, ((4 - 1) << 2) | 3, 16, 0, 0, 0]), MAX)[19]).toBe(3);
    expectCorrupt(Buffer.from([20, ...lit, ((4 - 1) << 2) | 3, 17, 0, 0, 0]), 'bad-compression', 18);
  });

  it('many short elements running past the declared length, with input to spare', () => {
    const literals = Array.from({ length: 60 }, (_, i) => [0, i]).flat();
    expectCorrupt(Buffer.from([20, ...literals]), 'bad-compression', 1 + 20 * 2);
    const copies = Array.from({ length: 40 }, () => [1, 4]).flat();
    expectCorrupt(Buffer.from([20, 3 << 2, 1, 2, 3, 4, ...copies]), 'bad-compression', 1 + 5 + 4 * 2);
  });

  it('a literal whose 4-byte length needs its top byte (16 MiB + 1)', () => {
    const n = 2 ** 24 + 1;
    const header = Buffer.from([0x81, 0x80, 0x80, 0x08, 63 << 2, 0, 0, 0, 1]);
    const body = Buffer.alloc(n, 0x61);
    const out = snappyDecompress(Buffer.concat([header, body]), 32 << 20);
    expect(out.length).toBe(n);
    expect(out.equals(body)).toBe(true);
  });

  it('errors from inside a large block point at the bad element', () => {
    const good = snappyCompressRaw(Buffer.alloc(5000, 0x41));
    const bad = Buffer.concat([good, Buffer.from([((4 - 1) << 2) | 2, 0, 0])]);
    bad[0] = good[0]! + 4; // declare 4 more bytes, so the bad copy is reached
    expectCorrupt(bad, 'bad-compression', good.length);
  });

  it('decodeSnappyBlock refuses a block that does not fit the room it was given', () => {
    const block = snappyCompressRaw(Buffer.alloc(100, 1));
    const e = corruptOf(() => decodeSnappyBlock(block, 0, block.length, Buffer.alloc(120), 30));
    expect(e.reason).toBe('too-large');
  });
});

describe('malformed xerial frames', () => {
  const block = [5, 4 << 2, 1, 2, 3, 4, 5];

  it('a copy may not reach into the previous chunk (each block stands alone)', () => {
    expect(snappyDecompress(frame([block, block]), MAX).length).toBe(10);
    expectCorrupt(frame([block, [4, ((4 - 1) << 2) | 2, 4, 0]]), 'bad-compression', 16 + 4 + 7 + 4 + 1);
  });

  it('a chunk length that overruns the payload', () => {
    const f = frame([block]);
    f.writeUInt32BE(8, 16);
    expectCorrupt(f, 'bad-compression', 16);
  });

  it('a truncated chunk length', () => {
    expectCorrupt(Buffer.concat([frame([block]), Buffer.from([0, 0])]), 'bad-compression', 27);
  });

  it('a bad block in a later chunk, at its position in the frame', () => {
    expectCorrupt(frame([block, [9, 2 << 2, 1, 2, 3]]), 'bad-compression', 16 + 4 + 7 + 4 + 5);
  });
});

describe('too-large is decided before allocating', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a raw block declaring 4 GiB allocates nothing', () => {
    const liar = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0]);
    const spy = vi.spyOn(Buffer, 'allocUnsafe');
    expectCorrupt(liar, 'too-large', 0);
    expect(spy).not.toHaveBeenCalled();
  });

  it('a frame whose blocks together declare more than maxBytes allocates nothing', () => {
    // Each block is only a declared length (1000 bytes), so all the damage is in the sum.
    const liar = [0xe8, 0x07];
    const f = frame(Array.from({ length: 20 }, () => liar));
    const spy = vi.spyOn(Buffer, 'allocUnsafe');
    expectCorrupt(f, 'too-large', 16 + 10 * 6 + 4, 10_000);
    expect(spy).not.toHaveBeenCalled();
  });

  it('a frame exactly at the limit decodes; one byte over is too-large', () => {
    const data = Buffer.alloc(100_000, 0x5a);
    const f = snappyCompress(data);
    expect(snappyDecompress(f, 100_000).equals(data)).toBe(true);
    expectCorrupt(f, 'too-large', undefined, 99_999);
  });
});

describe('truncated and mutated input never escapes as anything but CorruptError', () => {
  const plain = Buffer.concat([
    Buffer.from('the quick brown fox '.repeat(2000)),
    Buffer.from(Array.from({ length: 30_000 }, (_, i) => (i * 7919) & 0xff)),
  ]);

  it('every prefix of a multi-chunk frame decodes to a prefix of the input or is CorruptError', () => {
    const f = snappyCompress(plain);
    const boundaries = new Set<number>();
    for (let p = 16; p < f.length; p += 4 + f.readUInt32BE(p)) boundaries.add(p);
    let decoded = 0;
    for (let n = 0; n < f.length; n++) {
      const r = decodeOrCorrupt(f.subarray(0, n));
      if (r instanceof CorruptError) {
        expect(boundaries.has(n)).toBe(false);
        continue;
      }
      decoded++;
      expect(r.equals(plain.subarray(0, r.length))).toBe(true);
    }
    // 16 and each later chunk boundary are complete frames.
    expect(decoded).toBe(boundaries.size);
    expect(snappyDecompress(f, MAX).equals(plain)).toBe(true);
  });

  it('every prefix of a raw block is CorruptError except the whole block', () => {
    const r = snappyCompressRaw(plain.subarray(0, 20_000));
    for (let n = 0; n < r.length; n++) expect(decodeOrCorrupt(r.subarray(0, n))).toBeInstanceOf(CorruptError);
  });

  it('random byte mutations of raw and framed input', () => {
    const raw = snappyCompressRaw(plain.subarray(0, 3000));
    const framed = snappyCompress(plain.subarray(30_000, 40_000));
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 20_000 }),
        (useFrame, flips, max) => {
          const bytes = Buffer.from(useFrame ? framed : raw);
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          decodeOrCorrupt(bytes, max);
        },
      ),
      { seed: 0x5_4a_9a, numRuns: 2000 },
    );
  });
});
