import { describe, expect, it } from 'vitest';
import { Codec, decompress } from '../../../src/protocol/compression/index.js';
import { decodeMessageSet, forEachMessage } from '../../../src/protocol/message-set.js';
import { encodeMessageSet, type MessageToEncode } from '../../../src/protocol/message-set-encode.js';
import { randomBytes } from '../../helpers/xorshift.js';

const pseudoRandom = randomBytes;

function compressible(n: number): Buffer {
  const words = ['kafka', 'offset', 'partition', 'broker', 'consumer', '0.8.2'];
  return Buffer.from(Array.from({ length: n }, (_, i) => words[(i * 7) % words.length]).join(' ')).subarray(
    0,
    n,
  );
}

const sample: MessageToEncode[] = [
  { key: Buffer.from('k1'), value: Buffer.from('hello') },
  { key: null, value: Buffer.from('no key') },
  { key: Buffer.from('tombstone'), value: null },
  { key: Buffer.alloc(0), value: Buffer.alloc(0) },
  { value: Buffer.alloc(0) },
  { key: Buffer.from('big-random'), value: pseudoRandom(200_000, 7) },
  { key: Buffer.from('big-text'), value: compressible(150_000) },
];

const codecs = [
  ['none', Codec.None],
  ['gzip', Codec.Gzip],
  ['snappy', Codec.Snappy],
  ['lz4', Codec.Lz4],
] as const;

describe.each(codecs)('round trip with codec %s', (_name, codec) => {
  it('returns every key and value, null and empty kept apart, offsets base..base+n-1', () => {
    const bytes = encodeMessageSet(sample, { codec, baseOffset: 500n });
    const out = decodeMessageSet(bytes);
    expect(out.partialTail).toBe(false);
    expect(out.messages.map((m) => m.offset)).toEqual(sample.map((_, i) => 500n + BigInt(i)));
    out.messages.forEach((m, i) => {
      const want = sample[i]!;
      // Buffer.equals, not toEqual: deep-equality on 200 KB buffers takes seconds.
      const same = (a: Buffer | null, b: Uint8Array | null | undefined) =>
        b === null || b === undefined ? a === null : a?.equals(b) === true;
      expect(same(m.key, want.key), `key of message ${i}`).toBe(true);
      expect(same(m.value, want.value), `value of message ${i}`).toBe(true);
    });
    // A wrapper's offset is its last inner message, so the next fetch resumes after all of them.
    expect(out.nextOffset).toBe(500n + BigInt(sample.length));
  });

  it('handles a single zero-byte message', () => {
    const out = decodeMessageSet(encodeMessageSet([{ value: Buffer.alloc(0) }], { codec }));
    expect(out.messages).toHaveLength(1);
    expect(out.messages[0]!.value).toEqual(Buffer.alloc(0));
  });

  it('visits the same messages with forEachMessage', () => {
    const bytes = encodeMessageSet(sample, { codec });
    const seen: bigint[] = [];
    const summary = forEachMessage(bytes, (offset) => seen.push(offset));
    expect(seen).toEqual(decodeMessageSet(bytes).messages.map((m) => m.offset));
    expect(summary.nextOffset).toBe(BigInt(sample.length));
  });
});

describe('compressed wrapper layout', () => {
  it.each(codecs.slice(1))(
    '%s: one wrapper with null key, codec in attributes, inner offsets base..',
    (_n, codec) => {
      const bytes = encodeMessageSet(sample, { codec, baseOffset: 10n });
      expect(bytes.readBigInt64BE(0)).toBe(10n + BigInt(sample.length - 1));
      expect(bytes.readInt32BE(8) + 12).toBe(bytes.length);
      expect(bytes[17]).toBe(codec);
      expect(bytes.readInt32BE(18)).toBe(-1);
    },
  );

  it('snappy is xerial-framed with many 32 KiB chunks for a large set', () => {
    const bytes = encodeMessageSet(sample, { codec: Codec.Snappy });
    const value = bytes.subarray(26);
    expect(value.subarray(0, 16).toString('hex')).toBe('82534e41505059000000000100000001');
    let chunks = 0;
    for (let p = 16; p < value.length; p += 4 + value.readUInt32BE(p)) chunks++;
    expect(chunks).toBeGreaterThan(10);
  });

  it('lz4 spans several 64 KiB blocks and actually compresses text', () => {
    const text = compressible(300_000);
    const bytes = encodeMessageSet([{ value: text }], { codec: Codec.Lz4 });
    expect(bytes.length).toBeLessThan(text.length / 2);
    const out = decodeMessageSet(bytes);
    expect(out.messages[0]!.value!.equals(text)).toBe(true);
  });

  it('lz4 stores an incompressible block raw (bit 31) and reads it back', () => {
    const noise = pseudoRandom(70_000, 99);
    const bytes = encodeMessageSet([{ value: noise }], { codec: Codec.Lz4 });
    const frame = bytes.subarray(26);
    expect(frame.readUInt32LE(7) >>> 31).toBe(1);
    expect(decodeMessageSet(bytes).messages[0]!.value!.equals(noise)).toBe(true);
  });

  it('gzip decompression is independent of the encoder (zlib check)', () => {
    const bytes = encodeMessageSet([{ value: Buffer.from('abc') }], { codec: Codec.Gzip });
    const inner = decompress(1, bytes.subarray(26), 1 << 20);
    expect(decodeMessageSet(inner).messages[0]!.value).toEqual(Buffer.from('abc'));
  });
});
