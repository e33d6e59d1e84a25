import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Codec, snappyCompressRaw } from '../../../src/protocol/compression/index.js';
import { CorruptError, type CorruptReason } from '../../../src/protocol/errors.js';
import { type DecodeMessageSetOptions, decodeMessageSet } from '../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { fixCrc, rawEntry } from './helpers.js';

function corruptReason(buf: Buffer, options?: DecodeMessageSetOptions): CorruptError {
  try {
    decodeMessageSet(buf, options);
  } catch (e) {
    if (e instanceof CorruptError) return e;
    throw e;
  }
  throw new Error('expected a CorruptError, decode succeeded');
}

function expectCorrupt(buf: Buffer, reason: CorruptReason, options?: DecodeMessageSetOptions): CorruptError {
  const err = corruptReason(buf, options);
  expect(err.reason, err.message).toBe(reason);
  return err;
}

describe('partial trailing entries', () => {
  const msgs = [0, 1, 2, 3].map((i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(i * 10, i) }));
  const full = encodeMessageSet(msgs, { baseOffset: 100n });
  const ends: number[] = [];
  for (let p = 0; p < full.length; p += 12 + full.readInt32BE(p + 8))
    ends.push(p + 12 + full.readInt32BE(p + 8));

  it('at every cut point returns the complete entries before it and flags the tail', () => {
    for (let cut = 0; cut <= full.length; cut++) {
      const out = decodeMessageSet(full.subarray(0, cut));
      const complete = ends.filter((e) => e <= cut).length;
      expect(out.messages.map((m) => m.offset)).toEqual(
        msgs.slice(0, complete).map((_, i) => 100n + BigInt(i)),
      );
      const atBoundary = cut === 0 || ends.includes(cut);
      expect(out.partialTail, `cut ${cut}`).toBe(!atBoundary);
      expect(out.nextOffset).toBe(complete === 0 ? null : 100n + BigInt(complete));
      expect(out.validBytes).toBe(complete === 0 ? 0 : ends[complete - 1]);
      // Only a lone first entry with a complete header tells the caller how big it is.
      expect(out.firstEntrySize).toBe(complete === 0 && cut >= 12 ? ends[0] : undefined);
    }
  });

  it('reports the size of a first entry larger than the fetch so the consumer can grow', () => {
    const big = encodeMessageSet([{ value: Buffer.alloc(5000) }]);
    const out = decodeMessageSet(big.subarray(0, 1024));
    expect(out).toMatchObject({
      messages: [],
      partialTail: true,
      nextOffset: null,
      firstEntrySize: big.length,
    });
  });

  it('cuts inside a compressed wrapper are partial tails too, at every cut', () => {
    const wrapped = Buffer.concat([
      encodeMessageSet(msgs.slice(0, 2), { baseOffset: 0n }),
      encodeMessageSet(msgs, { codec: Codec.Snappy, baseOffset: 2n }),
    ]);
    for (let cut = 0; cut < wrapped.length; cut++) {
      const out = decodeMessageSet(wrapped.subarray(0, cut));
      expect(out.messages.length).toBeLessThanOrEqual(2);
    }
    expect(decodeMessageSet(wrapped).messages).toHaveLength(6);
  });
});

describe('fetch offset inside a compressed wrapper', () => {
  it.each([Codec.Gzip, Codec.Snappy, Codec.Lz4])(
    'codec %i drops inner messages below the fetch offset',
    (codec) => {
      const msgs = Array.from({ length: 10 }, (_, i) => ({ value: Buffer.from(`m${i}`) }));
      const set = encodeMessageSet(msgs, { codec, baseOffset: 100n });
      const out = decodeMessageSet(set, { fetchOffset: 104n });
      expect(out.messages.map((m) => m.offset)).toEqual([104n, 105n, 106n, 107n, 108n, 109n]);
      expect(out.messages[0]!.value).toEqual(Buffer.from('m4'));
      expect(out.nextOffset).toBe(110n);
    },
  );
});

describe('corrupt input gives typed errors', () => {
  const good = encodeMessageSet([{ key: Buffer.from('k'), value: Buffer.from('value') }], { baseOffset: 7n });

  it('bad CRC, with position, field and topic/partition/offset context', () => {
    const bad = Buffer.from(good);
    bad[bad.length - 1]! ^= 1;
    const err = expectCorrupt(bad, 'bad-crc', { topic: 't', partition: 3 });
    expect(err).toMatchObject({ position: 12, topic: 't', partition: 3, offset: 7n });
    expect(err.field).toContain('Crc');
    expect(decodeMessageSet(bad, { verifyCrc: false }).messages).toHaveLength(1);
  });

  it('MessageSize below 14', () => {
    for (const size of [13, 0, -1, -0x80000000]) {
      const bad = Buffer.from(good);
      bad.writeInt32BE(size, 8);
      expect(expectCorrupt(bad, 'bad-length').position).toBe(8);
    }
  });

  it('magic 1 and 2', () => {
    expectCorrupt(rawEntry({ magic: 1 }), 'bad-magic');
    expectCorrupt(rawEntry({ magic: 2 }), 'bad-magic');
  });

  it('codec 5 (and 4..7)', () => {
    for (const attributes of [4, 5, 6, 7]) expectCorrupt(rawEntry({ attributes }), 'bad-codec');
  });

  it('key or value lengths that disagree with MessageSize', () => {
    const e = rawEntry({ key: Buffer.from('abc'), value: Buffer.from('defg') });
    for (const [at, v] of [
      [18, 1000],
      [18, -2],
      [25, 3],
      [25, 5],
      [25, -7],
      [25, -1],
    ] as const) {
      const bad = Buffer.from(e);
      bad.writeInt32BE(v, at);
      expectCorrupt(fixCrc(bad), 'bad-length');
    }
  });

  it('compressed wrapper with a null value', () => {
    expectCorrupt(rawEntry({ attributes: Codec.Gzip, value: null }), 'bad-compression');
  });

  it.each([
    ['gzip', Codec.Gzip],
    ['snappy', Codec.Snappy],
    ['lz4', Codec.Lz4],
  ] as const)('%s wrapper with garbage or truncated body', (_n, codec) => {
    const ok = encodeMessageSet(
      Array.from({ length: 50 }, (_, i) => ({ value: Buffer.from(`message number ${i}`) })),
      { codec },
    );
    const value = ok.subarray(26);
    for (const body of [Buffer.from('definitely not compressed data'), value.subarray(0, value.length - 7)]) {
      const err = corruptReason(rawEntry({ attributes: codec, value: body }));
      expect(['bad-compression', 'bad-length', 'bad-crc']).toContain(err.reason);
    }
  });

  it('inner messages are CRC-checked too', () => {
    const inner = encodeMessageSet([{ value: Buffer.from('inner') }]);
    inner[inner.length - 1]! ^= 0x20;
    const err = expectCorrupt(rawEntry({ attributes: Codec.Gzip, value: zlib.gzipSync(inner) }), 'bad-crc');
    expect(err.position).toBe(12);
  });

  it('nested compression is rejected', () => {
    const inner = encodeMessageSet([{ value: Buffer.from('x') }], { codec: Codec.Gzip });
    expectCorrupt(rawEntry({ attributes: Codec.Gzip, value: zlib.gzipSync(inner) }), 'bad-codec');
  });

  it('an inner set ending in a partial entry is corrupt, not a partial tail', () => {
    const inner = encodeMessageSet([{ value: Buffer.from('abcdef') }]);
    expectCorrupt(
      rawEntry({ attributes: Codec.Gzip, value: zlib.gzipSync(inner.subarray(0, inner.length - 2)) }),
      'bad-length',
    );
  });
});

describe('decompression is bounded', () => {
  it('a gzip bomb stops at maxDecompressedBytes', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024));
    expectCorrupt(rawEntry({ attributes: Codec.Gzip, value: bomb }), 'too-large', {
      maxDecompressedBytes: 1 << 20,
    });
  });

  it('the budget is shared by all wrappers of one call', () => {
    const one = encodeMessageSet([{ value: Buffer.alloc(600_000) }], { codec: Codec.Gzip });
    const two = Buffer.concat([
      one,
      encodeMessageSet([{ value: Buffer.alloc(600_000) }], { codec: Codec.Gzip, baseOffset: 1n }),
    ]);
    expect(decodeMessageSet(one, { maxDecompressedBytes: 1_000_000 }).messages).toHaveLength(1);
    expectCorrupt(two, 'too-large', { maxDecompressedBytes: 1_000_000 });
  });

  it('a raw snappy block lying about its length is refused before allocating', () => {
    // varint 0xffffffff0f = 4 GiB - 1 declared, then nothing.
    const liar = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    expectCorrupt(rawEntry({ attributes: Codec.Snappy, value: liar }), 'too-large');
  });

  it('snappy and lz4 expanding beyond the limit are too-large', () => {
    for (const codec of [Codec.Snappy, Codec.Lz4]) {
      const set = encodeMessageSet([{ value: Buffer.alloc(3_000_000) }], { codec });
      expectCorrupt(set, 'too-large', { maxDecompressedBytes: 1_000_000 });
    }
  });

  it('an lz4 frame declaring a huge content size is too-large', () => {
    const frame = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expectCorrupt(rawEntry({ attributes: Codec.Lz4, value: frame }), 'too-large');
  });
});

describe('snappy framing detection', () => {
  it('decodes a raw (non-framed) snappy block', () => {
    const inner = encodeMessageSet([{ value: Buffer.from('raw snappy') }], { baseOffset: 3n });
    const out = decodeMessageSet(
      rawEntry({ offset: 3n, attributes: Codec.Snappy, value: snappyCompressRaw(inner) }),
    );
    expect(out.messages.map((m) => [m.offset, m.value?.toString()])).toEqual([[3n, 'raw snappy']]);
  });

  it('a raw block that starts with 0x82 is not mistaken for the xerial frame', () => {
    // A raw block's first byte is the varint length: 130 bytes of input encodes as 0x82 0x01.
    const inner = encodeMessageSet([{ value: Buffer.alloc(130 - 26, 0x61) }]);
    expect(inner.length).toBe(130);
    const raw = snappyCompressRaw(inner);
    expect(raw[0]).toBe(0x82);
    expect(decodeMessageSet(rawEntry({ attributes: Codec.Snappy, value: raw })).messages).toHaveLength(1);
  });
});
