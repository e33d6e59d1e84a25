import { describe, expect, it } from 'vitest';
import { bufferView, fastBufferViews } from '../../../src/protocol/buffer-view.js';
import { Codec } from '../../../src/protocol/compression/index.js';
import { decodeMessageSet } from '../../../src/protocol/message-set.js';
import { copyMessageSetChunks } from '../../../src/protocol/message-set-copy.js';
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

describe('copyMessageSetChunks', () => {
  it('chunks decode to the messages of the set, whole entries, none larger than asked unless alone', () => {
    const r = rng(0xc0b1);
    for (let round = 0; round < 150; round++) {
      const set = randomSet(r, 5n);
      // Sometimes cut inside the last entries: the partial tail is left out, as a decode does.
      const cut = r() < 0.3 ? set.subarray(0, Math.floor(r() * set.length)) : set;
      const chunkBytes = 1 + Math.floor(r() * 20_000);
      const chunks = copyMessageSetChunks(cut, chunkBytes);
      const decoded = decodeMessageSet(cut);
      const fromChunks: Seen[] = [];
      let total = 0;
      for (const c of chunks) {
        const d = decodeMessageSet(c);
        expect(d.partialTail).toBe(false);
        if (d.messages.length > 1) expect(c.length).toBeLessThanOrEqual(chunkBytes);
        for (const m of d.messages) fromChunks.push(show(m.offset, m.key, m.value));
        expect(c.buffer).not.toBe(cut.buffer);
        total += c.length;
      }
      expect(total).toBe(decoded.validBytes);
      expect(fromChunks).toEqual(decoded.messages.map((m) => show(m.offset, m.key, m.value)));
    }
  });

  it('stops at a size that does not fit instead of reading past the buffer', () => {
    const set = encodeMessageSet([{ value: Buffer.from('a') }, { value: Buffer.from('b') }]);
    const bad = Buffer.from(set);
    const second = decodeMessageSet(set).validBytes / 2;
    bad.writeInt32BE(0x7fffffff, second + 8);
    const chunks = copyMessageSetChunks(bad, 1 << 20);
    expect(chunks.map((c) => c.length)).toEqual([second]);
    bad.writeInt32BE(3, second + 8);
    expect(copyMessageSetChunks(bad, 1 << 20).map((c) => c.length)).toEqual([second]);
    expect(copyMessageSetChunks(Buffer.alloc(0))).toEqual([]);
  });

  it('refuses a chunk size that is not a positive integer', () => {
    const set = encodeMessageSet([{ value: Buffer.from('a') }]);
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => copyMessageSetChunks(set, bad)).toThrow(RangeError);
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
        (o, k, v) => {
          copied.push(show(o, k, v));
          if (v !== null) values.push(v);
        },
        1 + Math.floor(r() * 200),
      );
      expect(copied).toEqual(direct);
      expect(direct[0]?.offset).toBe(fetchOffset);
      for (const v of values) expect(v.buffer).not.toBe(frame.buffer);
    }
  });

  it('checks the structure of a batch nobody verified before copying it', () => {
    const set = Buffer.from(encodeMessageSet([{ value: Buffer.from('a') }, { value: Buffer.from('b') }]));
    set.writeInt32BE(3, decodeMessageSet(set).validBytes / 2 + 8);
    const batch = new LazyMessageBatch('t', 0, set, 0n, 2n, 2n, false);
    expect(() => batch.forEachMessageCopied(() => {})).toThrow(/MessageSize 3/);
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
