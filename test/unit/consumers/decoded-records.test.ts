import { describe, expect, it } from 'vitest';
import { DecodedRecords } from '../../../src/consumers/decoded-records.js';
import { Codec } from '../../../src/protocol/compression/index.js';
import { DEFAULT_COPY_CHUNK_BYTES } from '../../../src/protocol/message-set-copy.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { LazyMessageBatch } from '../../../src/simple-consumer/fetch-engine/message-batch.js';

type Input = { key: Buffer | null; value: Buffer | null };

function batchOf(
  records: Input[],
  base: bigint,
  fetchOffset = base,
  codec: Codec = Codec.None,
): LazyMessageBatch {
  const set = encodeMessageSet(records, { baseOffset: base, codec });
  const end = base + BigInt(records.length);
  const batch = new LazyMessageBatch('t', 0, set, fetchOffset, end, end, codec !== Codec.None);
  batch.verify(true);
  return batch;
}

/** What a DecodedRecords holds, record by record, as the reader reads it. */
function read(d: DecodedRecords) {
  return Array.from({ length: d.length }, (_, i) => ({
    offset: d.numeric ? BigInt(d.offsetNumber(i)) : d.bigOffsets![i]!,
    key: d.key(i)?.toString('latin1') ?? null,
    value: d.value(i)?.toString('latin1') ?? null,
    size: d.size(i),
  }));
}

const expected = (records: Input[], base: bigint, from = 0) =>
  records.slice(from).map((r, i) => ({
    offset: base + BigInt(from + i),
    key: r.key?.toString('latin1') ?? null,
    value: r.value?.toString('latin1') ?? null,
    size: (r.key?.length ?? 0) + (r.value?.length ?? 0),
  }));

const mixed: Input[] = [
  { key: null, value: Buffer.from('plain') },
  { key: Buffer.from('k1'), value: null },
  { key: Buffer.alloc(0), value: Buffer.alloc(0) },
  { key: Buffer.from('k3'), value: Buffer.alloc(40_000, 0x61) },
  { key: null, value: Buffer.from('after the big one') },
];

describe('DecodedRecords', () => {
  it('holds each record as the batch has it: null and empty keys and values, sizes, offsets', () => {
    const d = new DecodedRecords();
    d.decode(batchOf(mixed, 7n));
    expect(d.numeric).toBe(true);
    expect(read(d)).toEqual(expected(mixed, 7n));
  });

  it('cuts a fresh view per call, in a copy of its own that pins at most a chunk or its own entry', () => {
    const batch = batchOf(mixed, 0n);
    const d = new DecodedRecords();
    d.decode(batch);
    const a = d.value(0)!;
    const b = d.value(0)!;
    expect(a).not.toBe(b);
    expect(a.equals(b)).toBe(true);
    for (let i = 0; i < d.length; i++) {
      for (const v of [d.key(i), d.value(i)]) {
        if (v === null) continue;
        expect(v.buffer.byteLength).toBeLessThanOrEqual(Math.max(DEFAULT_COPY_CHUNK_BYTES, 40_100));
        expect(v.buffer).not.toBe(batch.messages[0]!.value!.buffer);
      }
    }
    // Writing into one view does not change what the next call gives: both are the copy.
    a[0] = 0x21;
    expect(d.value(0)!.toString()).toBe('!lain');
  });

  it('gives exact offsets past 2^53, and starts at the fetch offset inside a compressed wrapper', () => {
    const d = new DecodedRecords();
    const far = 2n ** 60n;
    d.decode(batchOf(mixed, far));
    expect(d.numeric).toBe(false);
    expect(read(d)).toEqual(expected(mixed, far));
    d.decode(batchOf(mixed, 100n, 102n, Codec.Gzip));
    expect(d.numeric).toBe(true);
    expect(read(d)).toEqual(expected(mixed, 100n, 2));
  });

  it('reads every value whole around the copy thresholds (2 KiB entries, 16 KiB chunks), in every codec', () => {
    // An entry is 26 bytes plus key and value: values of 2022/2023 make entries of 2048/2049
    // (fixed chunks up to an eighth of the chunk size), 16358 one of exactly 16 KiB.
    // The first list decompresses to ~95 KB (copied in chunks), the second to ~55 KB, under the
    // 64 KiB a decompressed set may be handed out in place.
    for (const sizes of [
      [0, 1, 2021, 2022, 2023, 16_357, 16_358, 16_359, 40_000, 7],
      [0, 1, 2021, 2022, 2023, 16_357, 16_358, 16_359, 7],
    ]) {
      const records: Input[] = sizes.map((n, i) => ({
        key: i % 3 === 0 ? null : Buffer.from(`k${i}`),
        value: Buffer.alloc(n, 97 + (i % 26)),
      }));
      for (const codec of [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4]) {
        const d = new DecodedRecords();
        d.decode(batchOf(records, 500n, 500n, codec));
        expect(read(d)).toEqual(expected(records, 500n));
        d.decode(batchOf(records, 500n, 504n, codec));
        expect(read(d)).toEqual(expected(records, 500n, 4));
      }
    }
  });

  it('reads records of small wrappers from their decompressed sets (pooled memory at an offset), in every codec', () => {
    for (const codec of [Codec.Gzip, Codec.Snappy, Codec.Lz4]) {
      const parts: Buffer[] = [];
      const all: Input[] = [];
      for (let w = 0; w < 6; w++) {
        // Plain runs between wrappers stay in the response and are copied.
        const c = w % 3 === 2 ? Codec.None : codec;
        const records: Input[] = Array.from({ length: 12 }, (_, i) => ({
          key: i % 4 === 0 ? null : Buffer.from(`k${w}.${i}`),
          value: i % 5 === 0 ? null : Buffer.from(`value ${w}.${i} `.repeat(1 + (i % 3))),
        }));
        parts.push(encodeMessageSet(records, { baseOffset: BigInt(all.length), codec: c }));
        all.push(...records);
      }
      const joined = Buffer.concat(parts);
      const frame = Buffer.allocUnsafeSlow(joined.length);
      frame.set(joined);
      const end = BigInt(all.length);
      const batch = new LazyMessageBatch('t', 0, frame, 3n, end, end, true);
      batch.verify(true);
      const d = new DecodedRecords();
      d.decode(batch);
      expect(read(d)).toEqual(expected(all, 0n, 3));
      for (let i = 0; i < d.length; i++) {
        for (const v of [d.key(i), d.value(i)]) if (v !== null) expect(v.buffer).not.toBe(frame.buffer);
      }
    }
  });

  it('keeps nothing of a previous batch, larger or smaller', () => {
    const d = new DecodedRecords();
    const many: Input[] = Array.from({ length: 3000 }, (_, i) => ({
      key: null,
      value: Buffer.from(`m${i}`),
    }));
    d.decode(batchOf(mixed.slice(0, 2), 0n));
    d.decode(batchOf(many, 50n));
    expect(read(d)).toEqual(expected(many, 50n));
    d.decode(batchOf(mixed, 9000n));
    expect(read(d)).toEqual(expected(mixed, 9000n));
  });
});
