import fc from 'fast-check';
import * as snappyjs from 'snappyjs';
import { afterEach, describe, expect, it } from 'vitest';
import { configureCompressWasm } from '../../../../src/protocol/compression/compress-wasm.js';
import { decodeLz4Block } from '../../../../src/protocol/compression/lz4-block.js';
import { lz4FrameCompress, lz4FrameDecompress } from '../../../../src/protocol/compression/lz4-frame.js';
import {
  snappyCompress,
  snappyCompressRaw,
  snappyDecompress,
} from '../../../../src/protocol/compression/snappy.js';
import { configureSnappyWasm } from '../../../../src/protocol/compression/snappy-wasm.js';
import { xorshift } from './snappy-blocks.js';

// What the compressors write, in wasm and with wasm off (snappyjs, compressLz4Block), decoded by
// our decoders (snappy: wasm and JS; LZ4: the frame reader) and by independent ones: snappyjs for
// every snappy block, and LZ4 blocks one by one through the block decoder. The LZ4 frame itself
// is checked against brokers, kcat and the JVM in test/integration/producer-conformance.test.ts.

const params = { seed: 0x17_c0de, numRuns: 150 };
const MAX = 64 << 20;
const SNAPPY_CHUNK = 32 * 1024;
const LZ4_BLOCK = 64 * 1024;

afterEach(() => {
  configureCompressWasm({ enabled: true });
  configureSnappyWasm({ enabled: true });
});

/** The raw blocks of a xerial frame, each checked to stand for at most one 32 KiB chunk. */
function xerialBlocks(framed: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  for (let p = 16; p < framed.length; ) {
    const size = framed.readUInt32BE(p);
    blocks.push(framed.subarray(p + 4, p + 4 + size));
    p += 4 + size;
  }
  return blocks;
}

/**
 * The LZ4 block format's end rules, which our decoder does not enforce but liblz4 and lz4-java
 * may: every match starts at least 12 bytes before the block's end and ends at least 5 before it
 * (the last 5 bytes are literals), and the last sequence is literals only.
 */
function checkEndRules(body: Uint8Array, plainLength: number): void {
  const length = (s: number, n: number): [number, number] => {
    if (n < 15) return [s, n];
    let b: number;
    do {
      b = body[s++]!;
      n += b;
    } while (b === 255);
    return [s, n];
  };
  let s = 0;
  let pos = 0;
  for (;;) {
    const token = body[s++]!;
    let lit: number;
    [s, lit] = length(s, token >>> 4);
    s += lit;
    pos += lit;
    if (s === body.length) break;
    let match: number;
    [s, match] = length(s + 2, token & 15);
    match += 4;
    expect(pos + 12).toBeLessThanOrEqual(plainLength);
    expect(pos + match).toBeLessThanOrEqual(plainLength - 5);
    pos += match;
  }
  expect(pos).toBe(plainLength);
}

/** An LZ4 frame's content, each block decoded on its own into exactly its 64 KiB at most. */
function lz4ByBlocks(frame: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let p = 7; ; ) {
    const word = frame.readUInt32LE(p);
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const body = frame.subarray(p + 4, p + 4 + size);
    if (word >>> 31) parts.push(body);
    else {
      const out = Buffer.alloc(LZ4_BLOCK);
      const n = decodeLz4Block(body, 0, body.length, out, 0, out.length);
      expect(n).toBeGreaterThan(0);
      checkEndRules(body, n);
      parts.push(out.subarray(0, n));
    }
    p += 4 + size;
  }
  return Buffer.concat(parts);
}

/** Every codec, both compressor paths, every decoder: all give `data` back exactly. */
function roundTrips(data: Uint8Array): void {
  const plain = Buffer.from(data);
  for (const wasm of [true, false]) {
    configureCompressWasm({ enabled: wasm });
    const framed = snappyCompress(data);
    const blocks = xerialBlocks(framed);
    expect(blocks.length).toBe(Math.ceil(data.length / SNAPPY_CHUNK));
    expect(Buffer.concat(blocks.map((b) => Buffer.from(snappyjs.uncompress(b)))).equals(plain)).toBe(true);
    expect(snappyDecompress(framed, MAX).equals(plain)).toBe(true);
    configureSnappyWasm({ enabled: false });
    expect(snappyDecompress(framed, MAX).equals(plain)).toBe(true);
    configureSnappyWasm({ enabled: true });

    const raw = snappyCompressRaw(data);
    expect(Buffer.from(snappyjs.uncompress(raw)).equals(plain)).toBe(true);
    expect(snappyDecompress(raw, MAX).equals(plain)).toBe(true);

    const lz4 = lz4FrameCompress(data);
    expect(lz4FrameDecompress(lz4, MAX).equals(plain)).toBe(true);
    expect(lz4ByBlocks(lz4).equals(plain)).toBe(true);
  }
}

/** Letters over a small alphabet: short accidental matches everywhere, as in the benchmarks. */
function text(n: number, alphabet: number, seed: number): Buffer {
  const r = xorshift(seed);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = 0x61 + (r() % alphabet);
  return out;
}

function noise(n: number, seed: number): Buffer {
  const r = xorshift(seed);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = r() & 0xff;
  return out;
}

/** Runs, copies of earlier stretches (near and far) and noise, in random order and lengths. */
const structured = fc
  .array(
    fc.record({
      kind: fc.constantFrom('run', 'repeat', 'noise'),
      len: fc.integer({ min: 1, max: 3000 }),
      value: fc.nat(),
    }),
    { maxLength: 40 },
  )
  .map((parts) => {
    const out: number[] = [];
    for (const { kind, len, value } of parts) {
      if (kind === 'run') for (let i = 0; i < len; i++) out.push(value & 0xff);
      else if (kind === 'repeat' && out.length > 0) {
        const from = value % out.length;
        for (let i = 0; i < len; i++) out.push(out[from + i]!);
      } else out.push(...noise(len, value + 1));
    }
    return Uint8Array.from(out);
  });

describe('snappy and LZ4 compression round-trips, wasm and JS', () => {
  it('random bytes of any length', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), roundTrips), params);
  });

  it('low-entropy text of 1 to 26 letters', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 1, max: 26 }),
        fc.integer(),
        (n, alphabet, seed) => roundTrips(text(n, alphabet, seed)),
      ),
      { ...params, numRuns: 60 },
    );
  });

  it('runs, near and far repeats and noise', () => {
    fc.assert(fc.property(structured, roundTrips), { ...params, numRuns: 100 });
  });

  it('every length up to 80 bytes (the end-of-block rules), in text, runs and noise', () => {
    for (let n = 0; n <= 80; n++) {
      for (const data of [text(n, 3, n + 1), Buffer.alloc(n, 0x41), noise(n, n + 1)]) roundTrips(data);
    }
  });

  it('sizes around the 32 KiB snappy chunk and the 64 KiB LZ4 block', () => {
    for (const n of [32767, 32768, 32769, 65535, 65536, 65537, 98304, 131073]) {
      roundTrips(text(n, 16, n));
      roundTrips(Buffer.alloc(n, 9));
      roundTrips(noise(n, n));
    }
  });

  it('repeats further back than 65535 bytes, and input that is a view far into its buffer', () => {
    const head = text(70_000, 16, 3);
    const far = Buffer.concat([head, noise(1000, 4), head.subarray(0, 20_000), head]);
    roundTrips(far);
    const big = Buffer.concat([noise(70_000, 5), far]);
    roundTrips(big.subarray(70_000 + 12_345, 70_000 + 12_345 + 50_000));
  });

  it('long runs: one byte, and a short period', () => {
    roundTrips(Buffer.alloc(300_000, 0));
    roundTrips(Buffer.from('abc'.repeat(100_000)));
  });
});

describe('compression ratio in wasm stays near the JS compressors', () => {
  // The wasm compressors probe further apart on misses (as the reference ones do), so they may
  // find a little less; what they write must not grow by more than a few percent.
  const json = Buffer.from(
    Array.from({ length: 2000 }, (_, i) =>
      JSON.stringify({ id: i, user: `user-${(i * 7919) % 1000}`, ok: i % 3 === 0 }),
    ).join('\n'),
  );
  it.each([
    ['16 KiB of 16-letter text', text(16_384, 16, 7)],
    ['1 MiB of 16-letter text', text(1 << 20, 16, 8)],
    ['JSON lines', json],
  ])('%s', (_, data) => {
    const sizes = (wasm: boolean) => {
      configureCompressWasm({ enabled: wasm });
      return { snappy: snappyCompress(data).length, lz4: lz4FrameCompress(data).length };
    };
    const js = sizes(false);
    const wasm = sizes(true);
    expect(wasm.snappy).toBeLessThanOrEqual(js.snappy * 1.03);
    expect(wasm.lz4).toBeLessThanOrEqual(js.lz4 * 1.03);
  });
});
