import fc from 'fast-check';
import * as snappyjs from 'snappyjs';
import { describe, expect, it } from 'vitest';
import {
  isXerialFramed,
  snappyCompress,
  snappyCompressRaw,
  snappyDecompress,
} from '../../../../src/protocol/compression/snappy.js';
import { decodeSnappyBlock } from '../../../../src/protocol/compression/snappy-block.js';
import { build, type Element, frame, xorshift } from './snappy-blocks.js';

// Fixed seeds and bounded runs: the same inputs every time, so a failure is reproducible.
const params = { seed: 0x5_4a_99, numRuns: 300 };
const MAX = 64 << 20;

/** Text over a small alphabet, as the benchmark produces: short matches everywhere. */
function text(n: number, alphabet: number, seed: number): Buffer {
  const r = xorshift(seed);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = 0x61 + (r() % alphabet);
  return out;
}

/** Runs, repeated phrases and noise mixed, so every copy shape shows up. */
function structured(n: number, seed: number): Buffer {
  const r = xorshift(seed);
  const out = Buffer.alloc(n);
  let p = 0;
  while (p < n) {
    const k = r() % 4;
    const len = Math.min(n - p, 1 + (r() % 300));
    if (k === 0) out.fill(r() & 0xff, p, p + len);
    else if (k === 1 && p > 0) {
      const from = r() % p;
      for (let i = 0; i < len; i++) out[p + i] = out[from + i]!;
    } else for (let i = 0; i < len; i++) out[p + i] = r() & 0xff;
    p += len;
  }
  return out;
}

function raw(data: Uint8Array): Buffer {
  const c = snappyjs.compress(data);
  return Buffer.from(c.buffer, c.byteOffset, c.length);
}

describe('snappy decode round-trips against snappyjs.compress', () => {
  it('random bytes of any length, raw and framed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (data) => {
        expect(snappyDecompress(raw(data), MAX).equals(data)).toBe(true);
        expect(snappyDecompress(snappyCompress(data), MAX).equals(data)).toBe(true);
      }),
      params,
    );
  });

  it('low-entropy text and structured data from 0 to 100 KB', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 26 }),
        fc.integer(),
        (n, alphabet, seed) => {
          for (const data of [text(n, alphabet, seed), structured(n, seed)]) {
            expect(snappyDecompress(raw(data), MAX).equals(data)).toBe(true);
            expect(snappyDecompress(snappyCompress(data), MAX).equals(data)).toBe(true);
          }
        },
      ),
      { ...params, numRuns: 60 },
    );
  });

  it('every length around the fast-path margins', () => {
    for (let n = 0; n <= 200; n++) {
      for (const data of [text(n, 4, n), structured(n, n), Buffer.alloc(n, 7)]) {
        expect(snappyDecompress(raw(data), MAX).equals(data)).toBe(true);
      }
    }
  });

  it('the benchmark payload shape: 200 x 100-byte messages, 16-letter alphabet', () => {
    const data = text(200 * 126, 16, 99);
    const f = snappyCompress(data);
    expect(isXerialFramed(f)).toBe(true);
    expect(snappyDecompress(f, MAX).equals(data)).toBe(true);
  });

  it('a multi-chunk xerial frame decodes into one buffer, equal to the input', () => {
    const data = Buffer.concat([text(40_000, 16, 1), structured(50_000, 2), Buffer.alloc(20_000, 3)]);
    const f = snappyCompress(data);
    let chunks = 0;
    for (let p = 16; p < f.length; p += 4 + f.readUInt32BE(p)) chunks++;
    expect(chunks).toBe(4);
    expect(snappyDecompress(f, MAX).equals(data)).toBe(true);
    expect(snappyDecompress(f, data.length).equals(data)).toBe(true);
  });

  it('a raw block still decodes unframed', () => {
    const data = structured(70_000, 5);
    const r = snappyCompressRaw(data);
    expect(isXerialFramed(r)).toBe(false);
    expect(snappyDecompress(r, MAX).equals(data)).toBe(true);
  });
});

describe('every element type, built by hand', () => {
  const lit = (bytes: number[], extra: 0 | 1 | 2 | 3 | 4 = 0): Element => ({ kind: 'literal', bytes, extra });
  const copy = (width: 1 | 2 | 4, off: number, len: number): Element => ({ kind: 'copy', width, off, len });
  const bytes = (n: number, seed: number) => [...text(n, 200, seed)];

  it.each([0, 1, 2, 3, 4] as const)('literals with %i extra length bytes', (extra) => {
    for (const n of [
      1,
      2,
      15,
      16,
      17,
      60,
      ...(extra > 0 ? [61, 255, 256] : []),
      ...(extra > 1 ? [5000] : []),
    ]) {
      const { block, plain } = build([
        lit(bytes(n, n), extra),
        lit(bytes(3, 1)),
        lit(bytes(n, 2 * n), extra),
      ]);
      expect(snappyDecompress(block, MAX).equals(plain)).toBe(true);
    }
  });

  it.each([1, 2, 4] as const)('copies with %i-byte offsets, overlapping or not', (width) => {
    const maxLen = width === 1 ? 11 : 64;
    const maxOff = width === 1 ? 2047 : 3000;
    for (const off of [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 63, 64, 65, 300, maxOff]) {
      for (let len = width === 1 ? 4 : 1; len <= maxLen; len++) {
        const { block, plain } = build([lit(bytes(maxOff, off), 2), copy(width, off, len), lit([9])]);
        expect(snappyDecompress(block, MAX).equals(plain)).toBe(true);
        // Same copy at the very end of the block, where the word-copy fast path cannot run.
        const tail = build([lit(bytes(maxOff, len), 2), copy(width, off, len)]);
        expect(snappyDecompress(tail.block, MAX).equals(tail.plain)).toBe(true);
      }
    }
  });

  it('a 4-byte offset reaching back more than 64 KiB', () => {
    const { block, plain } = build([lit(bytes(70_000, 3), 3), copy(4, 69_999, 64), copy(4, 65_537, 10)]);
    expect(snappyDecompress(block, MAX).equals(plain)).toBe(true);
  });

  it('runs made of overlapping copies: offset 1 to 3, repeated', () => {
    for (const off of [1, 2, 3]) {
      const elements = [lit(bytes(off, off))];
      for (let i = 0; i < 40; i++) elements.push(copy(2, off, 64));
      const { block, plain } = build(elements);
      expect(snappyDecompress(block, MAX).equals(plain)).toBe(true);
    }
  });

  it('random element sequences decode to what the elements mean', () => {
    const element = (produced: number) =>
      produced === 0
        ? fc.uint8Array({ minLength: 1, maxLength: 80 }).map((b) => lit([...b], b.length > 60 ? 1 : 0))
        : fc.oneof(
            fc
              .tuple(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.constantFrom(0, 1, 2, 3, 4))
              .map(([b, x]) => lit([...b], (b.length > 60 && x === 0 ? 1 : x) as 0 | 1 | 2 | 3 | 4)),
            fc
              .tuple(fc.integer({ min: 1, max: Math.min(produced, 2047) }), fc.integer({ min: 4, max: 11 }))
              .map(([off, len]) => copy(1, off, len)),
            fc
              .tuple(fc.integer({ min: 1, max: Math.min(produced, 65535) }), fc.integer({ min: 1, max: 64 }))
              .chain(([off, len]) => fc.constantFrom(copy(2, off, len), copy(4, off, len))),
          );
    // Offsets must stay inside what was produced so far, so the sequence is grown step by step.
    const sequence = fc.array(fc.nat(), { minLength: 1, maxLength: 60 }).chain((seeds) => {
      let arb: fc.Arbitrary<Element[]> = fc.constant([]);
      for (let i = 0; i < seeds.length; i++) {
        arb = arb.chain((prev) => {
          const produced = build(prev).plain.length;
          return element(produced).map((e) => [...prev, e]);
        });
      }
      return arb;
    });
    fc.assert(
      fc.property(sequence, (elements) => {
        const { block, plain } = build(elements);
        expect(snappyDecompress(block, MAX).equals(plain)).toBe(true);
        expect(snappyDecompress(frame([block, block]), MAX).equals(Buffer.concat([plain, plain]))).toBe(true);
      }),
      { ...params, numRuns: 150 },
    );
  });

  it('decodes at a position inside a larger buffer without touching the bytes around it', () => {
    const { block, plain } = build([lit(bytes(40, 1)), copy(2, 20, 64), copy(1, 3, 11), lit(bytes(5, 2))]);
    const dst = Buffer.alloc(plain.length + 100, 0xee);
    expect(decodeSnappyBlock(block, 0, block.length, dst, 37)).toBe(plain.length);
    expect(dst.subarray(37, 37 + plain.length).equals(plain)).toBe(true);
    expect(dst.subarray(0, 37).every((b) => b === 0xee)).toBe(true);
    expect(dst.subarray(37 + plain.length).every((b) => b === 0xee)).toBe(true);
  });

  it('decodes a block in the middle of its input range', () => {
    const { block, plain } = build([lit(bytes(100, 4), 1), copy(2, 50, 60)]);
    const src = Buffer.concat([Buffer.alloc(13, 0xaa), block, Buffer.alloc(9, 0xbb)]);
    const dst = Buffer.alloc(plain.length);
    decodeSnappyBlock(new Uint8Array(src), 13, 13 + block.length, dst, 0);
    expect(dst.equals(plain)).toBe(true);
  });

  it('a frame with an empty chunk and a zero-length block', () => {
    const a = build([lit([1, 2, 3])]);
    const empty = build([]);
    expect(empty.block.equals(Buffer.from([0]))).toBe(true);
    const f = frame([a.block, new Uint8Array(0), empty.block, a.block]);
    expect(snappyDecompress(f, MAX).equals(Buffer.from([1, 2, 3, 1, 2, 3]))).toBe(true);
    expect(snappyDecompress(frame([]), MAX).length).toBe(0);
  });
});
