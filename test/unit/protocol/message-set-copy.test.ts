import { describe, expect, it, vi } from 'vitest';
import { bufferView, fastBufferViews, memoryView } from '../../../src/protocol/buffer-view.js';
import { Codec } from '../../../src/protocol/compression/index.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import { decodeMessageSet } from '../../../src/protocol/message-set.js';
import { joinOffset, splitOffset } from '../../../src/protocol/message-set-bytes.js';
import { DEFAULT_COPY_CHUNK_BYTES, forEachCopiedMessage } from '../../../src/protocol/message-set-copy.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { LazyMessageBatch } from '../../../src/simple-consumer/fetch-engine/message-batch.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Seen = { offset: bigint; key: string | null; value: string | null };
const show = (offset: bigint, key: Buffer | null, value: Buffer | null): Seen => ({
  offset,
  key: key?.toString('latin1') ?? null,
  value: value?.toString('latin1') ?? null,
});

/** Values from empty to several chunks long, null keys and values among them. */
function randomSet(r: () => number, base: bigint): Buffer {
  const n = 1 + Math.floor(r() * 60);
  return encodeMessageSet(
    Array.from({ length: n }, (_, i) => ({
      key: r() < 0.3 ? null : Buffer.from(`k${i}`),
      value:
        r() < 0.1 ? null : Buffer.alloc(Math.floor(r() < 0.05 ? r() * 40_000 : r() * 300), 97 + (i % 26)),
    })),
    { baseOffset: base },
  );
}

/**
 * Every visit of a copying walk, with the distinct chunks its views live in; no view may lie in
 * `set` unless the walk was told it is memory of its own.
 */
function walk(set: Buffer, options: Parameters<typeof forEachCopiedMessage>[2] = {}) {
  const seen: Seen[] = [];
  const chunks = new Set<ArrayBufferLike>();
  forEachCopiedMessage(
    set,
    (hi, lo, key, value) => {
      seen.push(show(joinOffset(hi, lo), key, value));
      for (const v of [key, value]) {
        if (v === null) continue;
        if (options.ownMemory !== true) expect(v.buffer).not.toBe(set.buffer);
        chunks.add(v.buffer);
      }
    },
    options,
  );
  return { seen, chunks: [...chunks] };
}

describe('forEachCopiedMessage', () => {
  it('visits what a decode visits, from any fetch offset, with the views in chunks of their own', () => {
    const r = rng(0xc0b1);
    for (let round = 0; round < 200; round++) {
      const set = randomSet(r, 5n);
      // Sometimes cut inside the last entries: the partial tail is left out, as a decode does.
      const cut = r() < 0.3 ? set.subarray(0, Math.floor(r() * set.length)) : set;
      const chunkBytes = 1 + Math.floor(r() * 20_000);
      const fetchOffset = r() < 0.5 ? undefined : 5n + BigInt(Math.floor(r() * 30));
      const decoded = decodeMessageSet(cut, { fetchOffset });
      const { seen, chunks } = walk(cut, { chunkBytes, fetchOffset });
      expect(seen).toEqual(decoded.messages.map((m) => show(m.offset, m.key, m.value)));
      const largest = Math.max(
        0,
        ...decoded.messages.map((m) => 26 + (m.key?.length ?? 0) + (m.value?.length ?? 0)),
      );
      for (const c of chunks) expect(c.byteLength).toBeLessThanOrEqual(Math.max(chunkBytes, largest));
    }
  });

  it('copies little more than the set: small messages in fixed chunks, larger ones cut to whole entries', () => {
    for (const [size, most] of [
      [100, 1.02],
      [3000, 1],
      [10_000, 1],
      [40_000, 1],
    ] as const) {
      const set = encodeMessageSet(Array.from({ length: 200 }, () => ({ value: Buffer.alloc(size, 7) })));
      const { seen, chunks } = walk(set);
      expect(seen).toHaveLength(200);
      const copied = chunks.reduce((n, c) => n + c.byteLength, 0);
      expect(copied).toBeGreaterThanOrEqual(set.length);
      expect(copied).toBeLessThanOrEqual(set.length * most);
      for (const c of chunks)
        expect(c.byteLength).toBeLessThanOrEqual(Math.max(DEFAULT_COPY_CHUNK_BYTES, size + 26));
    }
  });

  it('ownMemory: cuts the views from the set itself when its memory is no bigger than 4 chunks, else copies', () => {
    const messages = Array.from({ length: 40 }, (_, i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`value ${i}`),
    }));
    const encoded = encodeMessageSet(messages, { baseOffset: 7n });
    // The set in memory a multiple of 4 bytes long, so 4 chunks can equal it exactly: what pins
    // is the memory, not the set.
    const memory = Buffer.allocUnsafeSlow(4 * Math.ceil(encoded.length / 4) + 4);
    memory.set(encoded);
    const own = memory.subarray(0, encoded.length);
    const quarter = memory.length / 4;
    const expected = messages.map((m, i) => show(7n + BigInt(i), m.key, m.value));
    for (const [chunkBytes, ownMemory, inPlace] of [
      [memory.length, true, true],
      [quarter, true, true],
      [quarter - 1, true, false],
      [memory.length, false, false],
    ] as const) {
      const { seen, chunks } = walk(own, { chunkBytes, ownMemory });
      expect(seen).toEqual(expected);
      if (inPlace) expect(chunks).toEqual([memory.buffer]);
      else expect(chunks).not.toContain(memory.buffer);
    }
  });

  it('gives exact offsets beyond 2^53 and below zero', () => {
    for (const base of [2n ** 53n - 2n, 2n ** 62n, 2n ** 63n - 3n, -(2n ** 63n), -5n]) {
      const set = encodeMessageSet(
        [{ value: Buffer.from('a') }, { value: null }, { value: Buffer.from('c') }],
        {
          baseOffset: base,
        },
      );
      expect(walk(set).seen.map((m) => m.offset)).toEqual([base, base + 1n, base + 2n]);
      expect(walk(set, { fetchOffset: base + 1n }).seen.map((m) => m.offset)).toEqual([base + 1n, base + 2n]);
    }
  });

  it('stops at a size that does not fit instead of reading past the buffer', () => {
    const set = encodeMessageSet([{ value: Buffer.from('a') }, { value: Buffer.from('b') }]);
    const bad = Buffer.from(set);
    const second = decodeMessageSet(set).validBytes / 2;
    for (const size of [0x7fffffff, 3, -1]) {
      bad.writeInt32BE(size, second + 8);
      expect(walk(bad).seen.map((m) => m.value)).toEqual(['a']);
      expect(walk(bad, { chunkBytes: 1 }).seen.map((m) => m.value)).toEqual(['a']);
    }
    expect(walk(Buffer.alloc(0)).seen).toEqual([]);
    expect(walk(Buffer.alloc(11)).seen).toEqual([]);
  });

  it('refuses, as typed errors with the offset, what the verify pass would have refused', () => {
    const plain = encodeMessageSet([{ key: Buffer.from('k'), value: Buffer.from('v') }], { baseOffset: 42n });
    const wrapper = encodeMessageSet([{ value: Buffer.from('v') }], { codec: Codec.Gzip, baseOffset: 42n });
    const badKey = Buffer.from(plain);
    badKey.writeInt32BE(9, 18);
    const badValue = Buffer.from(plain);
    badValue.writeInt32BE(0, 23);
    for (const [set, reason] of [
      [wrapper, 'bad-codec'],
      [badKey, 'bad-length'],
      [badValue, 'bad-length'],
    ] as const) {
      let caught: unknown;
      try {
        forEachCopiedMessage(set, () => {}, { topic: 't', partition: 3 });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CorruptError);
      const e = caught as CorruptError;
      expect([e.reason, e.topic, e.partition, e.offset]).toEqual([reason, 't', 3, 42n]);
    }
  });

  it('refuses a chunk size that is not a positive integer', () => {
    const set = encodeMessageSet([{ value: Buffer.from('a') }]);
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => forEachCopiedMessage(set, () => {}, { chunkBytes: bad })).toThrow(RangeError);
  });
});

describe('joinOffset / splitOffset', () => {
  it('round-trip every int64, the words as readBigInt64BE sees them', () => {
    const r = rng(7);
    const values = [
      0n,
      1n,
      -1n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 63n - 1n,
      -(2n ** 63n),
    ];
    for (let i = 0; i < 200; i++)
      values.push(BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 32)) << BigInt(i % 40)));
    const b = Buffer.alloc(8);
    for (const v of values) {
      const [hi, lo] = splitOffset(v);
      b.writeBigInt64BE(v);
      expect([hi, lo]).toEqual([b.readInt32BE(0), b.readUInt32BE(4)]);
      expect(joinOffset(hi, lo)).toBe(v);
    }
  });
});

describe('LazyMessageBatch.forEachMessageCopied', () => {
  it('visits what forEachMessage visits, plain and compressed, from any fetch offset, in copies', () => {
    const r = rng(0xfeed);
    const codecs = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4] as const;
    for (let round = 0; round < 60; round++) {
      const parts: Buffer[] = [];
      let next = 100n;
      let compressed = false;
      for (let p = 0; p < 1 + Math.floor(r() * 4); p++) {
        const n = 1 + Math.floor(r() * 20);
        const codec = codecs[Math.floor(r() * codecs.length)]!;
        if (codec !== Codec.None) compressed = true;
        const messages = Array.from({ length: n }, (_, i) => ({
          value: Buffer.from(`v${next + BigInt(i)}`),
        }));
        parts.push(encodeMessageSet(messages, { codec, baseOffset: next }));
        next += BigInt(n);
      }
      const frame = Buffer.concat(parts);
      const fetchOffset = 100n + BigInt(Math.floor(r() * Number(next - 100n)));
      const batch = new LazyMessageBatch('t', 1, frame, fetchOffset, next, next, compressed);
      batch.verify(true);
      const direct: Seen[] = [];
      batch.forEachMessage((o, k, v) => direct.push(show(o, k, v)));
      const copied: Seen[] = [];
      const values: Buffer[] = [];
      batch.forEachMessageCopied(
        (hi, lo, k, v) => {
          copied.push(show(joinOffset(hi, lo), k, v));
          if (v !== null) values.push(v);
        },
        1 + Math.floor(r() * 200),
      );
      expect(copied).toEqual(direct);
      expect(direct[0]?.offset).toBe(fetchOffset);
      for (const v of values) expect(v.buffer).not.toBe(frame.buffer);
    }
  });

  it('hands small decompressed sets out as they are and copies the plain runs of the response', () => {
    const parts: Buffer[] = [];
    let next = 0n;
    for (const codec of [Codec.None, Codec.Gzip, Codec.None, Codec.Snappy, Codec.Lz4]) {
      const messages = Array.from({ length: 10 }, (_, i) => ({ value: Buffer.from(`v${next + BigInt(i)}`) }));
      parts.push(encodeMessageSet(messages, { codec, baseOffset: next }));
      next += 10n;
    }
    // Memory of its own, as a response frame is (a small Buffer.concat would sit in Node's pool).
    const joined = Buffer.concat(parts);
    const frame = Buffer.allocUnsafeSlow(joined.length);
    frame.set(joined);
    const batch = new LazyMessageBatch('t', 0, frame, 0n, next, next, true);
    batch.verify(true);
    const allocations = vi.spyOn(Buffer, 'allocUnsafeSlow');
    const values: Buffer[] = [];
    try {
      batch.forEachMessageCopied((_hi, _lo, _k, v) => values.push(v!));
      // One copy per plain run; the three decompressed sets are not copied again.
      expect(allocations).toHaveBeenCalledTimes(2);
    } finally {
      allocations.mockRestore();
    }
    expect(values.map((v) => v.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `v${i}`));
    for (const v of values) expect(v.buffer).not.toBe(frame.buffer);
  });

  it('checks the structure of a batch nobody verified before copying it', () => {
    const set = Buffer.from(encodeMessageSet([{ value: Buffer.from('a') }, { value: Buffer.from('b') }]));
    set.writeInt32BE(3, decodeMessageSet(set).validBytes / 2 + 8);
    const batch = new LazyMessageBatch('t', 0, set, 0n, 2n, 2n, false);
    expect(() => batch.forEachMessageCopied(() => {})).toThrow(/MessageSize 3/);
  });
});

describe('LazyMessageBatch.forEachSpanCopied', () => {
  it('gives ranges of the copies holding exactly what forEachMessageCopied visits', () => {
    const r = rng(0x5a17);
    for (let round = 0; round < 40; round++) {
      const set = randomSet(r, BigInt(Math.floor(r() * 1000)));
      const count = decodeMessageSet(set).messages.length;
      const first = decodeMessageSet(set).messages[0]!.offset;
      const fetchOffset = first + BigInt(Math.floor(r() * count));
      const batch = new LazyMessageBatch('t', 0, set, fetchOffset, first + BigInt(count), 0n, false);
      batch.verify(true);
      const chunkBytes = 1 + Math.floor(r() * 20_000);
      const viewed: Seen[] = [];
      batch.forEachMessageCopied((hi, lo, k, v) => viewed.push(show(joinOffset(hi, lo), k, v)), chunkBytes);
      const spans: Seen[] = [];
      batch.forEachSpanCopied((hi, lo, chunk, keyStart, keyEnd, valueStart, valueEnd) => {
        expect(chunk.buffer).not.toBe(set.buffer);
        expect(keyStart === -1 || (keyStart >= 0 && keyStart <= keyEnd && keyEnd <= chunk.length)).toBe(true);
        expect(
          valueStart === -1 || (valueStart >= 0 && valueStart <= valueEnd && valueEnd <= chunk.length),
        ).toBe(true);
        spans.push(
          show(
            joinOffset(hi, lo),
            keyStart < 0 ? null : chunk.subarray(keyStart, keyEnd),
            valueStart < 0 ? null : chunk.subarray(valueStart, valueEnd),
          ),
        );
      }, chunkBytes);
      expect(spans).toEqual(viewed);
      expect(spans[0]?.offset).toBe(fetchOffset);
    }
  });
});

describe('memoryView', () => {
  it('is Buffer.from(memory, offset, length): same bytes, same memory, a Buffer', () => {
    const base = Buffer.from('0123456789');
    for (const [o, n] of [
      [0, 10],
      [2, 5],
      [10, 0],
    ] as const) {
      const v = memoryView(base.buffer, base.byteOffset + o, n);
      expect(Buffer.isBuffer(v)).toBe(true);
      expect(v.toString()).toBe(base.subarray(o, o + n).toString());
      expect(v.buffer).toBe(base.buffer);
    }
  });

  it('never reaches outside the memory', () => {
    const memory = new ArrayBuffer(8);
    expect(() => memoryView(memory, 4, 5)).toThrow(RangeError);
  });
});

describe('bufferView', () => {
  it('is subarray: same bytes, same memory, a Buffer', () => {
    const base = Buffer.from('0123456789');
    const frame = base.subarray(2, 9);
    for (const [s, e] of [
      [0, 7],
      [1, 4],
      [3, 3],
      [7, 7],
    ] as const) {
      const v = bufferView(frame, s, e);
      expect(Buffer.isBuffer(v)).toBe(true);
      expect(v.toString()).toBe(frame.subarray(s, e).toString());
      expect(v.buffer).toBe(frame.buffer);
      expect(v.byteOffset).toBe(frame.byteOffset + s);
      expect(v.subarray(0, 1) instanceof Buffer).toBe(true);
    }
    const w = bufferView(frame, 1, 2);
    w[0] = 65;
    expect(frame.toString()).toBe('2A45678');
  });

  it('never reaches outside the underlying memory', () => {
    const frame = Buffer.alloc(8);
    expect(() => bufferView(frame, 4, 4 + frame.buffer.byteLength)).toThrow(RangeError);
  });

  it('uses the direct constructor on this Node (else the decoder silently loses its speed)', () => {
    expect(fastBufferViews).toBe(true);
  });
});
