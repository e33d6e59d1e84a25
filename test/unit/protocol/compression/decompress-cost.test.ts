import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Codec, decompress } from '../../../../src/protocol/compression/index.js';
import { CorruptError } from '../../../../src/protocol/errors.js';
import { decodeMessageSet } from '../../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../../src/protocol/message-set-encode.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../../../src/protocol/message-set-types.js';
import { rawEntry } from '../../message-set/helpers.js';
import { heldBy, meterAllocations } from './allocation-meter.js';
import { BD_4M, BD_64K, block, lz4Frame, sequences } from './lz4-frames.js';

// Decompression must cost in proportion to what it reads and writes, whatever a header allows
// or declares: these inputs each fit a 1 MiB fetch, and the budget is the default 64 MiB. Each
// case here reserved hundreds to millions of times its bytes before; the budget's edges and the
// cases that were already proportional are in decompress-budget.test.ts.
const BUDGET = DEFAULT_MAX_DECOMPRESSED_BYTES;
/** Allocations allowed per byte read or written; the defects found cost thousands. */
const PER_BYTE = 8;
/** Slack for fixed costs (Node's 8 KiB buffer pool, zlib's first chunk). */
const SLACK = 64 * 1024;
const bound = (input: number, output: number) => PER_BYTE * (input + output) + SLACK;
const XERIAL = Buffer.from('82534e41505059000000000100000001', 'hex');

function xerial(blocks: number[][]): Buffer {
  const parts = [XERIAL];
  for (const b of blocks) {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(b.length);
    parts.push(size, Buffer.from(b));
  }
  return Buffer.concat(parts);
}

function corruptOf(outcome: unknown): CorruptError {
  if (outcome instanceof CorruptError) return outcome;
  throw new Error(`expected CorruptError, got ${String(outcome)}`);
}

describe('LZ4: a frame costs its bytes, not its block maximum per block', () => {
  it.each([
    ['4 MiB', BD_4M],
    ['64 KiB (as Kafka writes)', BD_64K],
  ])('100,000 one-literal blocks under a %s block maximum (600 KB)', (_name, bd) => {
    const frame = lz4Frame(
      Array.from({ length: 100_000 }, () => block(sequences([0x61]))),
      { bd },
    );
    expect(frame.length).toBeLessThan(1 << 20);
    const limit = bound(frame.length, 100_000);
    const m = meterAllocations(limit, () => decompress(Codec.Lz4, frame, BUDGET));
    expect(m.stopped).toBe(false);
    expect(m.bytes).toBeLessThanOrEqual(limit);
    expect((m.outcome as Buffer).equals(Buffer.alloc(100_000, 0x61))).toBe(true);
    // Time too: decoding is synchronous, so while it runs no socket timeout can fire.
    const started = performance.now();
    decompress(Codec.Lz4, frame, BUDGET);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('100,000 empty blocks produce nothing and reserve next to nothing', () => {
    const frame = lz4Frame(
      Array.from({ length: 100_000 }, () => block([0])),
      { bd: BD_4M },
    );
    const m = meterAllocations(bound(frame.length, 0), () => decompress(Codec.Lz4, frame, BUDGET));
    expect(m.stopped).toBe(false);
    expect((m.outcome as Buffer).length).toBe(0);
  });

  it('a declared content size the frame cannot hold reserves nothing for it', () => {
    // 60 MiB declared (within the budget), one byte held.
    const frame = lz4Frame([block(sequences([0x61]))], { bd: BD_4M, contentSize: 60 << 20 });
    const m = meterAllocations(bound(frame.length, 1), () => decompress(Codec.Lz4, frame, BUDGET));
    expect(m.stopped).toBe(false);
    expect(corruptOf(m.outcome).reason).toBe('bad-compression');
  });

  it('an honest content size is used as is: one exact allocation', () => {
    const data = Buffer.from('abcdefgh'.repeat(5000));
    const frame = lz4Frame([block(sequences(data.subarray(0, 8), { offset: 8, length: data.length - 8 }))], {
      contentSize: data.length,
    });
    const m = meterAllocations(bound(frame.length, data.length), () => decompress(Codec.Lz4, frame, BUDGET));
    expect((m.outcome as Buffer).equals(data)).toBe(true);
    expect(m.bytes).toBe(data.length);
  });
});

describe('snappy: a declared length costs nothing beyond what the block can hold', () => {
  it('a raw block declaring 60 MiB (within the budget) but holding one byte', () => {
    const liar = Buffer.from([0x80, 0x80, 0x80, 0x1e, 0, 0x61]); // varint 60 MiB, literal 'a'
    const m = meterAllocations(bound(liar.length, 0), () => decompress(Codec.Snappy, liar, BUDGET));
    expect(m.stopped).toBe(false);
    const e = corruptOf(m.outcome);
    expect(e.reason).toBe('bad-compression');
    expect(e.position).toBe(liar.length); // where the decoder finds the output short, as before
  });

  it('a frame whose last chunk lies after honest ones', () => {
    const honest = [3, 2 << 2, 0x61, 0x62, 0x63];
    const liar = [0x80, 0x80, 0x80, 0x10, 0, 0x61]; // 32 MiB declared
    const f = xerial([...Array.from({ length: 1000 }, () => honest), liar]);
    const m = meterAllocations(bound(f.length, 3000), () => decompress(Codec.Snappy, f, BUDGET));
    expect(m.stopped).toBe(false);
    expect(corruptOf(m.outcome).reason).toBe('bad-compression');
  });
});

describe('gzip: output is gathered in chunks that follow the input', () => {
  it('a tiny output does not pin a 16 KiB chunk, over 1,000 wrappers', () => {
    const inputs = Array.from({ length: 1000 }, (_, i) => zlib.gzipSync(Buffer.from(`message ${i}`)));
    const inBytes = inputs.reduce((n, b) => n + b.length, 0);
    const m = meterAllocations(bound(inBytes, 12_000), () =>
      inputs.map((src) => decompress(Codec.Gzip, src, BUDGET)),
    );
    expect(m.stopped).toBe(false);
    const outs = m.outcome as Buffer[];
    expect(outs[999]!.toString()).toBe('message 999');
    expect(heldBy(outs)).toBeLessThanOrEqual(bound(inBytes, 12_000));
  });
});

describe('a 1 MiB fetch of small compressed wrappers holds its values in proportion to the fetch', () => {
  const inner = (i: number) => encodeMessageSet([{ value: Buffer.from(`v${i}`) }], { baseOffset: BigInt(i) });
  const lz4Value = (bd: number) => (i: number) => lz4Frame([block(sequences(inner(i)))], { bd });

  it.each([
    ['gzip', Codec.Gzip, (i: number) => zlib.gzipSync(inner(i))],
    ['lz4, 64 KiB blocks', Codec.Lz4, lz4Value(BD_64K)],
    ['lz4, 4 MiB blocks', Codec.Lz4, lz4Value(BD_4M)],
  ] as const)('%s', (_name, codec, value) => {
    const parts: Buffer[] = [];
    let size = 0;
    for (let i = 0; size < 1 << 20; i++) {
      const entry = rawEntry({ offset: BigInt(i), attributes: codec, value: value(i) });
      if (size + entry.length > 1 << 20) break;
      parts.push(entry);
      size += entry.length;
    }
    const fetch = Buffer.concat(parts);
    const limit = bound(fetch.length, 0);
    const m = meterAllocations(limit, () => decodeMessageSet(fetch).messages);
    expect(m.stopped).toBe(false);
    const messages = m.outcome as { value: Buffer | null }[];
    expect(messages).toHaveLength(parts.length);
    expect(heldBy(messages.map((msg) => msg.value!))).toBeLessThanOrEqual(limit);
  });
});
