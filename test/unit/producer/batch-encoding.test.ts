/**
 * The producer encodes records into its batch buffers as they are appended, and compresses a
 * batch with `encodeWrapper`. Both must give the bytes of the writer-based encoder the project
 * shipped before (kept here as the reference) and of `encodeMessageSet`, for every codec, and
 * decode back to the records sent.
 */
import { describe, expect, it } from 'vitest';
import { RecordAccumulator } from '../../../src/producer/accumulator.js';
import { type Codec, compress } from '../../../src/protocol/compression/index.js';
import { crc32 } from '../../../src/protocol/crc32.js';
import { decodeMessageSet } from '../../../src/protocol/message-set.js';
import {
  encodeMessageSet,
  encodeWrapper,
  type MessageToEncode,
  sealMessageSet,
} from '../../../src/protocol/message-set-encode.js';
import { Writer } from '../../../src/protocol/writer.js';
import { letterText } from '../../helpers/xorshift.js';

/** The Writer-based encoder as it was before the producer wrote entries itself. */
function referenceEntry(
  w: Writer,
  offset: bigint,
  attributes: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
): void {
  w.int64(offset, 'offset');
  w.sized((body) => {
    const crcAt = body.pos;
    body.uint32(0, 'crc');
    body.int8(0, 'magic');
    body.int8(attributes, 'attributes');
    body.bytes(key, 'key');
    body.bytes(value, 'value');
    body.patchUInt32(crcAt, crc32(body.view(), crcAt + 4, body.pos));
  });
}

function referenceEncode(messages: readonly MessageToEncode[], codec: Codec): Buffer {
  const inner = new Writer(64);
  for (const [i, m] of messages.entries()) referenceEntry(inner, BigInt(i), 0, m.key ?? null, m.value);
  if (codec === 0) return inner.toBuffer();
  const w = new Writer(64);
  referenceEntry(w, BigInt(messages.length - 1), codec, null, compress(codec, inner.view()));
  return w.toBuffer();
}

const text = letterText;

// Null and empty keys and values, values around the 32-byte copy loop and the 384-byte native
// CRC threshold, and one larger than the batch size (a batch of its own).
const records: MessageToEncode[] = [
  { key: Buffer.from('k1'), value: Buffer.from('hello') },
  { key: null, value: text(100, 1) },
  { key: Buffer.from('tombstone'), value: null },
  { key: Buffer.alloc(0), value: Buffer.alloc(0) },
  { key: null, value: null },
  { key: text(32, 2), value: text(33, 3) },
  { key: null, value: text(383, 4) },
  { key: text(7, 5), value: text(384, 6) },
  ...Array.from({ length: 40 }, (_, i) => ({ key: i % 3 ? null : text(8, i), value: text(90 + i, 10 + i) })),
  { key: null, value: text(3000, 7) },
  { key: Buffer.from('after'), value: text(64, 8) },
];

const BATCH_SIZE = 1024;

/** Appends every record to partition 0 and returns the batches with the records each holds. */
function batched(): { sets: Buffer[]; counts: number[]; groups: MessageToEncode[][] } {
  const acc = new RecordAccumulator(BATCH_SIZE, () => 0, 1 << 20);
  for (const r of records)
    acc.append(
      't',
      0,
      (r.key ?? null) as Buffer | null,
      r.value as Buffer | null,
      0,
      () => {},
      () => {},
    );
  const batches = acc.queue('t', 0).batches;
  const groups: MessageToEncode[][] = [];
  let at = 0;
  for (const b of batches) {
    groups.push(records.slice(at, at + b.count));
    at += b.count;
  }
  expect(at).toBe(records.length);
  return { sets: batches.map((b) => Buffer.from(b.messageSet)), counts: batches.map((b) => b.count), groups };
}

describe('producer batch encoding', () => {
  it('splits by batch.size, a record larger than it alone in its batch', () => {
    const { sets, groups } = batched();
    expect(sets.length).toBeGreaterThan(3);
    for (const s of sets.slice(0, -2)) expect(s.length).toBeLessThanOrEqual(BATCH_SIZE);
    expect(groups.at(-2)).toEqual([records.at(-2)]);
  });

  for (const codec of [0, 1, 2, 3] as const) {
    it(`codec ${codec}: byte-equal to the reference encoder and to encodeMessageSet, decodes to the records`, () => {
      const { sets, counts, groups } = batched();
      groups.forEach((group, i) => {
        const set = sets[i]!;
        const ours = codec === 0 ? set : encodeWrapper(codec, set, counts[i]! - 1);
        expect(ours.equals(referenceEncode(group, codec))).toBe(true);
        expect(ours.equals(encodeMessageSet(group, { codec }))).toBe(true);
        const decoded = decodeMessageSet(ours).messages;
        expect(decoded.map((m) => [m.offset, m.key, m.value])).toEqual(
          group.map((m, j) => [
            BigInt(j),
            m.key === null || m.key === undefined ? null : Buffer.from(m.key),
            m.value === null ? null : Buffer.from(m.value),
          ]),
        );
      });
    });
  }

  it('reuses a released buffer for the next batch without leaking old bytes into it', () => {
    const acc = new RecordAccumulator(256, () => 0, 1 << 20);
    const q = acc.queue('t', 0);
    for (let i = 0; i < 3; i++)
      acc.append(
        't',
        0,
        null,
        text(100, i),
        0,
        () => {},
        () => {},
      );
    const first = q.batches[0]!;
    const firstBuffer = first.buffer;
    acc.releaseBuffer(first);
    q.batches.shift();
    for (let i = 0; i < 2; i++)
      acc.append(
        't',
        0,
        null,
        text(100, 20 + i),
        0,
        () => {},
        () => {},
      );
    // 126-byte entries, two to a 256-byte batch: the third record opened a second batch, the
    // fourth joins it, the fifth opens a third one on the buffer the first gave back.
    expect(q.batches.length).toBe(2);
    const reused = q.batches[1]!;
    expect(reused.buffer).toBe(firstBuffer);
    expect(reused.messageSet.equals(referenceEncode([{ key: null, value: text(100, 21) }], 0))).toBe(true);
  });

  // CRCs are written when the set is read (one pass over the whole set, sealMessageSet), not as
  // records are appended: reading between appends, and a set longer than the CRC's copy window
  // (120 KiB), must still give every entry its CRC.
  it('a set read between appends, and one longer than the CRC window, carries every CRC', () => {
    const many = Array.from({ length: 1500 }, (_, i) => ({
      key: i % 5 ? null : text(6, i),
      value: text(60 + (i % 400), 1000 + i),
    }));
    const acc = new RecordAccumulator(1 << 20, () => 0, 4 << 20);
    const reads: Buffer[] = [];
    many.forEach((r, i) => {
      acc.append('t', 0, r.key, r.value, 0, () => {}, null);
      if (i === 0 || i === 700) reads.push(Buffer.from(acc.queue('t', 0).batches[0]!.messageSet));
    });
    const batch = acc.queue('t', 0).batches[0]!;
    expect(batch.count).toBe(many.length);
    expect(batch.bytes).toBeGreaterThan(3 * 122_880);
    expect(batch.messageSet.equals(referenceEncode(many, 0))).toBe(true);
    expect(reads[0]!.equals(referenceEncode(many.slice(0, 1), 0))).toBe(true);
    expect(reads[1]!.equals(referenceEncode(many.slice(0, 701), 0))).toBe(true);
  });

  it('sealing refuses an entry whose size runs past the set or below a whole message, hashing nothing outside', () => {
    const set = Buffer.from(encodeMessageSet([{ value: text(50, 1) }, { value: text(50, 2) }]));
    const first = 12 + set.readInt32BE(8);
    const past = Buffer.from(set);
    past.writeInt32BE(set.length, first + 8);
    expect(() => sealMessageSet(past, 0, past.length)).toThrow(RangeError);
    const short = Buffer.from(set);
    short.writeInt32BE(13, first + 8);
    expect(() => sealMessageSet(short, 0, short.length)).toThrow(RangeError);
    const whole = Buffer.from(set);
    whole.fill(0, 12, 16);
    sealMessageSet(whole, 0, whole.length);
    expect(whole.equals(set)).toBe(true);
  });
});
