import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Codec, compress, decompress } from '../../../../src/protocol/compression/index.js';
import {
  decodeLz4Block,
  LZ4_OVERFLOW,
  type Lz4Position,
} from '../../../../src/protocol/compression/lz4-block.js';
import { snappyCompressRaw } from '../../../../src/protocol/compression/snappy.js';
import { CorruptError } from '../../../../src/protocol/errors.js';
import { decodeMessageSet } from '../../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../../src/protocol/message-set-encode.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../../../src/protocol/message-set-types.js';
import { letterText } from '../../../helpers/xorshift.js';
import { rawEntry } from '../../message-set/helpers.js';
import { heldBy, meterAllocations } from './allocation-meter.js';
import { BD_4M, block, expected, lz4Frame, sequences } from './lz4-frames.js';

// The budget's edges for every codec, and guards for what keeps decompression proportional
// (see decompress-cost.test.ts): the output growing past a first guess, the copy of long runs,
// the ceiling on what a snappy block can produce. These held before that change too.
const BUDGET = DEFAULT_MAX_DECOMPRESSED_BYTES;
const params = { seed: 0x0b_4d_9e, numRuns: 40 };

const text = letterText;

function noise(size: number, seed: number): Buffer {
  let x = seed || 1;
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) | 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Decoded bytes or the CorruptError; anything else thrown (RangeError...) fails the test. */
function decodeOrCorrupt(codec: 1 | 2 | 3, src: Uint8Array, max: number): Buffer | CorruptError {
  try {
    return decompress(codec, src, max);
  } catch (e) {
    if (e instanceof CorruptError) return e;
    throw e;
  }
}

const mixed = Buffer.concat([text(150_000, 1), noise(70_000, 2), Buffer.alloc(90_000, 7)]);
const run = (n: number) => ({ literals: [0x61], match: { offset: 1, length: n - 1 } });
const runs = [1_000_000, 700_000, 65_536].map(run);
const cases: [string, 1 | 2 | 3, Buffer, Buffer][] = [
  ['gzip', Codec.Gzip, compress(Codec.Gzip, mixed), mixed],
  [
    'gzip, two members',
    Codec.Gzip,
    Buffer.concat([zlib.gzipSync(mixed.subarray(0, 1000)), zlib.gzipSync(mixed.subarray(1000))]),
    mixed,
  ],
  ['gzip, empty', Codec.Gzip, zlib.gzipSync(Buffer.alloc(0)), Buffer.alloc(0)],
  ['snappy, xerial chunks', Codec.Snappy, compress(Codec.Snappy, mixed), mixed],
  ['snappy, one raw block', Codec.Snappy, snappyCompressRaw(mixed), mixed],
  ['lz4, compressed and stored 64 KiB blocks', Codec.Lz4, compress(Codec.Lz4, mixed), mixed],
  [
    'lz4, long runs far past the first guess',
    Codec.Lz4,
    lz4Frame(
      runs.map((r) => block(sequences(r.literals, r.match))),
      { bd: BD_4M },
    ),
    Buffer.concat(runs.map((r) => expected(r.literals, r.match))),
  ],
  [
    'lz4, declared content size',
    Codec.Lz4,
    lz4Frame([block(sequences([1, 2, 3], { offset: 3, length: 90_000 }))], {
      bd: BD_4M,
      contentSize: 90_003,
    }),
    expected([1, 2, 3], { offset: 3, length: 90_000 }),
  ],
];

describe('every codec stops at the budget: too-large one byte under, whole at and above', () => {
  it.each(cases)('%s', (_name, codec, src, plain) => {
    const n = plain.length;
    for (const max of [n, n + 1, n + 65_536, BUDGET]) {
      const out = decodeOrCorrupt(codec, src, max);
      expect(out instanceof Buffer && out.equals(plain), `budget ${max}`).toBe(true);
    }
    if (n === 0) return;
    for (const max of [n - 1, Math.floor(n / 2), 1, 0]) {
      const out = decodeOrCorrupt(codec, src, max);
      expect(out instanceof CorruptError && out.reason, `budget ${max}`).toBe('too-large');
    }
  });

  it.each(cases)('%s, at any budget', (_name, codec, src, plain) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: plain.length + 100 }), (max) => {
        const out = decodeOrCorrupt(codec, src, max);
        if (max >= plain.length) expect(out instanceof Buffer && out.equals(plain)).toBe(true);
        else expect(out instanceof CorruptError && out.reason).toBe('too-large');
      }),
      params,
    );
  });
});

describe('lz4: a block stopped for room carries on where it stopped', () => {
  it('at any room, resuming into a larger buffer gives what one pass gives', () => {
    const data = Buffer.concat([text(3000, 9), Buffer.alloc(500, 1), text(2000, 9), Buffer.alloc(300, 2)]);
    const frame = compress(Codec.Lz4, data);
    const word = frame.readUInt32LE(7);
    expect(word >>> 31).toBe(0); // a compressed block, not a stored one
    const [start, end] = [11, 11 + word];
    for (let room = 0; room <= data.length; room += 37) {
      const at: Lz4Position = { src: start, dst: 0 };
      const first = Buffer.alloc(room);
      const n = decodeLz4Block(frame, start, end, first, 0, room, at);
      if (room === data.length) {
        expect(n).toBe(data.length);
        continue;
      }
      expect(n).toBe(LZ4_OVERFLOW);
      const whole = Buffer.alloc(data.length);
      whole.set(first.subarray(0, at.dst));
      expect(decodeLz4Block(frame, start, end, whole, 0, whole.length, at)).toBe(data.length);
      expect(whole.equals(data), `room ${room}`).toBe(true);
    }
  });
});

describe('lz4: long overlapping matches (runs)', () => {
  it('decode exactly at every offset around the byte-loop and doubling-copy strategies', () => {
    const literals = Array.from({ length: 70 }, (_, i) => (i * 37 + 11) & 0xff);
    for (const offset of [1, 2, 3, 4, 5, 7, 8, 13, 31, 63, 64, 65, 70]) {
      for (const length of [4, 5, 19, 63, 64, 65, 100, 127, 128, 129, 255, 1000, 65_536]) {
        const lit = literals.slice(0, offset);
        const frame = lz4Frame([block(sequences(lit, { offset, length }))], { bd: BD_4M });
        const out = decompress(Codec.Lz4, frame, BUDGET);
        expect(out.equals(expected(lit, { offset, length })), `offset ${offset} length ${length}`).toBe(true);
      }
    }
  });

  it('a run reaching the budget exactly costs about twice the output, not a block maximum', () => {
    const n = 8 << 20;
    const blocks = [run(4 << 20), run(4 << 20)].map((r) => block(sequences(r.literals, r.match)));
    const frame = lz4Frame(blocks, { bd: BD_4M });
    const m = meterAllocations(3 * n, () => decompress(Codec.Lz4, frame, n));
    expect((m.outcome as Buffer).length).toBe(n);
    expect(m.bytes).toBeLessThanOrEqual(2 * n + 4 * frame.length);
  });
});

describe('snappy: the ceiling on what a block can produce', () => {
  it('the densest block the format allows still decodes (3-byte copies of 64 bytes)', () => {
    // 64 bytes from 3 is what caps allocation at 22 bytes per block byte: meet it exactly.
    for (const copies of [1, 2, 3, 5000]) {
      const n = 1 + 64 * copies;
      const varint = [(n & 0x7f) | 0x80, ((n >>> 7) & 0x7f) | 0x80, n >>> 14];
      const body = [0, 0x61, ...Array.from({ length: copies }, () => [(63 << 2) | 2, 1, 0]).flat()];
      expect(
        decompress(Codec.Snappy, Buffer.from([...varint, ...body]), BUDGET).equals(Buffer.alloc(n, 0x61)),
      ).toBe(true);
    }
  });

  it('150,000 one-literal xerial chunks (1 MiB) cost their bytes', () => {
    const header = Buffer.from('82534e41505059000000000100000001', 'hex');
    const chunk = Buffer.from([0, 0, 0, 3, 1, 0, 0x61]);
    const f = Buffer.concat([header, ...Array.from({ length: 150_000 }, () => chunk)]);
    const m = meterAllocations(4 * f.length, () => decompress(Codec.Snappy, f, BUDGET));
    expect((m.outcome as Buffer).equals(Buffer.alloc(150_000, 0x61))).toBe(true);
    expect(m.bytes).toBeLessThanOrEqual(150_000 + 16 * 1024);
  });
});

describe('gzip: chunks follow the input, the budget stops a bomb', () => {
  it('a bomb stops at the budget, having inflated at most one chunk more', () => {
    const budget = 4 << 20;
    const bomb = zlib.gzipSync(Buffer.alloc(64 << 20));
    const m = meterAllocations(4 * budget, () => decompress(Codec.Gzip, bomb, budget));
    expect((m.outcome as CorruptError).reason).toBe('too-large');
    expect(m.bytes).toBeLessThanOrEqual(budget + 8 * bomb.length + 64 * 1024);
  });

  it('a trailer declaring the wrong size only changes the chunking, and is refused by zlib', () => {
    const data = text(3 << 20, 3);
    for (const declared of [0, 1, 1000, 100 << 20]) {
      const src = zlib.gzipSync(data);
      src.writeUInt32LE(declared, src.length - 4);
      const m = meterAllocations(4 * data.length, () => decompress(Codec.Gzip, src, BUDGET));
      expect((m.outcome as CorruptError).reason).toBe('bad-compression');
    }
  });
});

describe('a 1 MiB fetch of small wrappers that were already held in proportion', () => {
  const inner = (i: number) => encodeMessageSet([{ value: Buffer.from(`v${i}`) }], { baseOffset: BigInt(i) });
  it.each([
    ['snappy', Codec.Snappy, (i: number) => compress(Codec.Snappy, inner(i))],
    ['lz4, stored blocks', Codec.Lz4, (i: number) => lz4Frame([block(inner(i), true)])],
  ] as const)('%s', (_name, codec, value) => {
    const parts: Buffer[] = [];
    for (let i = 0, size = 0; size < 1 << 20; i++) {
      parts.push(rawEntry({ offset: BigInt(i), attributes: codec, value: value(i) }));
      size += parts[i]!.length;
    }
    parts.pop();
    const fetch = Buffer.concat(parts);
    const m = meterAllocations(8 * fetch.length, () => decodeMessageSet(fetch).messages);
    const messages = m.outcome as { value: Buffer | null }[];
    expect(messages).toHaveLength(parts.length);
    expect(heldBy(messages.map((msg) => msg.value!))).toBeLessThanOrEqual(8 * fetch.length);
  });
});
