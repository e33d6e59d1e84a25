import { afterEach, describe, expect, it } from 'vitest';
import { snappyCompress, snappyDecompress } from '../../../../src/protocol/compression/snappy.js';
import { snappyDeclaredLength } from '../../../../src/protocol/compression/snappy-block.js';
import {
  configureSnappyWasm,
  snappyWasmAvailable,
  snappyWasmDecode,
  snappyWasmStage,
} from '../../../../src/protocol/compression/snappy-wasm.js';
import { build, type Element, frame, xorshift } from './snappy-blocks.js';

// The wasm decoder against the JS one (snappy-block.ts) and against the slow obvious model of
// every element (snappy-blocks.ts): same bytes for valid input, the same error for bad input.

const MAX = 64 << 20;

afterEach(() => configureSnappyWasm({ enabled: true }));

/** Random elements that are all valid: every width, overlaps of 1 to 20 bytes, long literals. */
function randomElements(r: () => number, count: number): Element[] {
  const out: Element[] = [];
  let produced = 0;
  for (let i = 0; i < count; i++) {
    const k = r() % 6;
    if (produced === 0 || k <= 1) {
      const n = k === 0 ? 1 + (r() % 16) : 1 + (r() % 300);
      const bytes = Array.from({ length: n }, () => r() & 0xff);
      // The length minus one must fit the extra bytes; below 61 they are optional.
      const least = n - 1 > 255 ? 2 : 1;
      const extra = (n > 60 || r() % 3 === 0 ? least + (r() % (5 - least)) : 0) as 0 | 1 | 2 | 3 | 4;
      out.push({ kind: 'literal', bytes, extra });
      produced += n;
      continue;
    }
    const width = ([1, 2, 4] as const)[r() % 3]!;
    const maxOff = Math.min(produced, width === 1 ? 2047 : width === 2 ? 65_535 : 70_000);
    // Short offsets often: they are the overlapping copies with their own code paths.
    const off = r() % 2 === 0 ? 1 + (r() % Math.min(maxOff, 20)) : 1 + (r() % maxOff);
    const len = width === 1 ? 4 + (r() % 8) : 1 + (r() % 64);
    out.push({ kind: 'copy', width, off, len });
    produced += len;
  }
  return out;
}

function outcome(input: Buffer): string {
  try {
    return snappyDecompress(input, MAX).toString('hex');
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message} @ ${(err as { position?: number }).position}`;
  }
}

describe('snappy frames decoded in wasm', () => {
  it('is available here (the rest of this file would prove nothing otherwise)', () => {
    expect(snappyWasmAvailable()).toBe(true);
  });

  it('decodes valid blocks itself: every element shape, as the model says', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = xorshift(seed);
      const { block, plain } = build(randomElements(r, 1 + (r() % 200)));
      const staged = snappyWasmStage(block, plain.length)!;
      let s = 1;
      while (block[s - 1]! >= 0x80) s++;
      expect(snappyDeclaredLength(block, 0, block.length)).toBe(plain.length);
      expect(snappyWasmDecode(s, block.length, staged.out, plain.length)).toBe(plain.length);
      expect(Buffer.from(staged.mem.subarray(staged.out, staged.out + plain.length)).equals(plain)).toBe(
        true,
      );
    }
  });

  it('multi-block frames: the same bytes as the JS decoder and the model', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = xorshift(seed * 7919);
      const blocks = Array.from({ length: 1 + (r() % 4) }, () => build(randomElements(r, 1 + (r() % 120))));
      const f = frame(blocks.map((b) => b.block));
      const expected = Buffer.concat(blocks.map((b) => b.plain));
      const viaWasm = snappyDecompress(f, MAX);
      configureSnappyWasm({ enabled: false });
      const viaJs = snappyDecompress(f, MAX);
      configureSnappyWasm({ enabled: true });
      expect(viaWasm.equals(expected)).toBe(true);
      expect(viaJs.equals(expected)).toBe(true);
    }
  });

  it('real compressor output of text, runs and noise round-trips', () => {
    const r = xorshift(5);
    for (const n of [0, 1, 15, 16, 17, 100, 25_200, 70_000]) {
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++)
        data[i] = i % 700 < 300 ? 0x61 + (r() % 16) : i % 700 < 500 ? 7 : r() & 0xff;
      expect(snappyDecompress(snappyCompress(data), MAX).equals(data)).toBe(true);
    }
  });

  it('mutated and truncated frames: the same bytes or the same error as the JS decoder', () => {
    let refused = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const r = xorshift(seed * 104729);
      const blocks = Array.from({ length: 1 + (r() % 3) }, () => build(randomElements(r, 1 + (r() % 60))));
      const f = frame(blocks.map((b) => b.block));
      const bad = Buffer.from(f);
      for (let k = 0; k < 1 + (r() % 4); k++) {
        const at = 16 + (r() % (bad.length - 16));
        bad[at] = r() & 0xff;
      }
      for (const input of [bad, f.subarray(0, 16 + (r() % (f.length - 16)))]) {
        const withWasm = outcome(input);
        configureSnappyWasm({ enabled: false });
        const withJs = outcome(input);
        configureSnappyWasm({ enabled: true });
        expect(withWasm).toBe(withJs);
        if (withJs.startsWith('CorruptError')) refused++;
      }
    }
    // The mutations must actually produce bad input for this to test the refusals.
    expect(refused).toBeGreaterThan(200);
  });
});
