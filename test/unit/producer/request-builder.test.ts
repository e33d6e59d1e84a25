/**
 * Compressed, the batches one request takes from a partition go out as one wrapper (up to
 * max.request.size or half a broker's default message.max.bytes, whichever is less, before and
 * after compression), its records numbered 0, 1, ... across the batches, and a request carries one
 * wrapper per partition. A wrapper stays with its batches and is sent whole again on a retry.
 */
import { describe, expect, it } from 'vitest';
import { type Batch, type PartitionQueue, RecordAccumulator } from '../../../src/producer/accumulator.js';
import { BatchSizing } from '../../../src/producer/batch-sizing.js';
import { resolveProducerConfig } from '../../../src/producer/config.js';
import { JOINED_WRAPPER_MAX, RequestBuilder } from '../../../src/producer/request-builder.js';
import { decodeMessageSet } from '../../../src/protocol/message-set.js';
import { letterText, randomBytes } from '../../helpers/xorshift.js';

type Codec = 'gzip' | 'snappy' | 'lz4';

function setup(codec: Codec | 'none', batchSize: number, extra: Record<string, number> = {}) {
  const config = resolveProducerConfig({
    bootstrapServers: '127.0.0.1:9092',
    compressionType: codec,
    batchSize,
    ...extra,
  });
  const sizing = new BatchSizing(batchSize, codec !== 'none', config.maxRequestSize, 1 << 24);
  const acc = new RecordAccumulator(batchSize, () => 0, 1 << 24, sizing);
  return { config, sizing, acc, builder: new RequestBuilder(config, acc) };
}

function append(acc: RecordAccumulator, partition: number, values: Buffer[]): void {
  for (const v of values) acc.append('t', partition, null, v, 100, () => {}, null);
}

/** Each top-level entry of a set: its offset, and its records' offsets and values. */
function entries(set: Uint8Array | readonly Uint8Array[]) {
  const whole = Buffer.concat(set instanceof Uint8Array ? [set] : [...set]);
  const out: { offset: bigint; innerOffsets: bigint[]; values: string[] }[] = [];
  for (let at = 0; at < whole.length; ) {
    const size = 12 + whole.readInt32BE(at + 8);
    const one = whole.subarray(at, at + size);
    const inner = decodeMessageSet(one, { fetchOffset: 0n, requireRisingOffsets: true }).messages;
    out.push({
      offset: one.readBigInt64BE(0),
      innerOffsets: inner.map((m) => m.offset),
      values: inner.map((m) => String(m.value)),
    });
    at += size;
  }
  return out;
}

/** What the sender does when a request fails and its batches wait for a retry. */
function unsend(q: PartitionQueue, batches: Batch[]): void {
  q.inFlightRequests--;
  q.sendingBatches -= batches.length;
  for (const b of batches) b.sending = false;
}

const values = Array.from({ length: 60 }, (_, i) => letterText(100, i + 1));

describe('RequestBuilder, compressed', () => {
  for (const codec of ['gzip', 'snappy', 'lz4'] as const) {
    it(`${codec}: a request's batches of one partition are one wrapper, records numbered across them`, () => {
      const { acc, builder, sizing } = setup(codec, 1024);
      append(acc, 0, values);
      const q = acc.queue('t', 0);
      const batches = [...q.batches];
      expect(batches.length).toBeGreaterThan(2);
      const before = sizing.estimatedRatio;
      const planned = builder.build([q], { closedOnly: false, maxHeld: Number.POSITIVE_INFINITY });
      expect(planned.carried[0]!.batches).toEqual(batches);
      const sent = entries(planned.topics[0]!.partitions[0]!.messageSet);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.values).toEqual(values.map(String));
      expect(sent[0]!.innerOffsets).toEqual(values.map((_, i) => BigInt(i)));
      expect(sent[0]!.offset).toBe(BigInt(values.length - 1));
      expect(batches[0]!.wrapped).toBe(batches.length);
      expect(batches.slice(1).every((b) => b.wrapped === -1 && b.compressed === undefined)).toBe(true);
      // Every buffer went back to the pool, and the wrapper's ratio moved the estimate.
      expect(batches.every((b) => b.buffer === undefined && b.closed)).toBe(true);
      expect(sizing.estimatedRatio).not.toBe(before);
    });
  }

  it('one wrapper per partition in a request, of no more than max.request.size uncompressed', () => {
    // Random bytes keep the ratio near 1, so batches stay near batch.size and many fill the cap.
    const { acc, builder } = setup('lz4', 512, { maxRequestSize: 10_000 });
    expect(builder.wrapperMax).toBe(10_000);
    const random = Array.from({ length: 400 }, (_, i) => randomBytes(100, i + 1));
    append(acc, 0, random);
    append(acc, 1, random.slice(0, 30));
    const q = acc.queue('t', 0);
    const sent: ReturnType<typeof entries> = [];
    let requests = 0;
    while (q.nextUnsent !== undefined) {
      const planned = builder.build([q, acc.queue('t', 1)], {
        closedOnly: false,
        maxHeld: Number.POSITIVE_INFINITY,
      });
      for (const part of planned.topics[0]!.partitions) {
        const wrappers = entries(part.messageSet);
        expect(wrappers).toHaveLength(1);
        if (part.partition === 0) sent.push(...wrappers);
      }
      // Answered: the carried batches leave their queues.
      for (const c of planned.carried) {
        unsend(c.queue, c.batches);
        c.queue.batches.splice(0, c.batches.length);
      }
      requests++;
    }
    expect(requests).toBeGreaterThan(1);
    expect(sent.flatMap((w) => w.values)).toEqual(random.map(String));
    for (const w of sent) expect(w.values.length * 126).toBeLessThanOrEqual(10_000);
    // Past what one batch may take: joining is bounded by the request, not by batch.size.
    expect(Math.max(...sent.map((w) => w.values.length * 126))).toBeGreaterThan(16 * 512);
    // Each wrapper numbers its own records from 0 and names the last.
    for (const w of sent) {
      expect(w.innerOffsets).toEqual(w.values.map((_, i) => BigInt(i)));
      expect(w.offset).toBe(BigInt(w.values.length - 1));
    }
  });

  it("a joined wrapper's bound: max.request.size, and half a broker's default message.max.bytes", () => {
    for (const [maxRequestSize, bound] of [
      [300_000, 300_000],
      [1_048_576, JOINED_WRAPPER_MAX],
      [4_000_000, JOINED_WRAPPER_MAX],
    ] as const) {
      expect(setup('snappy', 16_384, { maxRequestSize }).builder.wrapperMax).toBe(bound);
    }
    expect(JOINED_WRAPPER_MAX).toBe(500_000);
    // batch.size 0 turns batching off: nothing is joined.
    expect(setup('snappy', 0).builder.wrapperMax).toBe(0);
  });

  for (const codec of ['gzip', 'snappy', 'lz4'] as const) {
    it(`${codec}: batches fill the cap exactly and join; one byte less and the last waits`, () => {
      // 100-byte values make 126-byte entries; the first guess (0.5) makes batches of 7 (882 bytes).
      for (const [cap, joined] of [
        [3 * 882, 3],
        [3 * 882 - 1, 2],
        [3 * 882 + 1, 3],
      ] as const) {
        const { acc, builder } = setup(codec, 512, { maxRequestSize: cap });
        expect(builder.wrapperMax).toBe(cap);
        append(acc, 0, values.slice(0, 42));
        const q = acc.queue('t', 0);
        expect(q.batches.map((b) => b.bytes)).toEqual([882, 882, 882, 882, 882, 882]);
        const planned = builder.build([q], { closedOnly: false, maxHeld: Number.POSITIVE_INFINITY });
        expect(planned.carried[0]!.batches).toHaveLength(joined);
        expect(entries(planned.topics[0]!.partitions[0]!.messageSet)[0]!.values).toEqual(
          values.slice(0, 7 * joined).map(String),
        );
      }
    });

    it(`${codec}: a joined run that does not compress is cut back until its message is within the bound`, () => {
      // Records of 5000 random bytes, a batch each: four (20,104 bytes) fit the bound
      // uncompressed, but every codec adds framing to random bytes, so their wrapper does not.
      const cap = 4 * 5026 + 10;
      const { acc, builder } = setup(codec, 512, { maxRequestSize: cap });
      const random = Array.from({ length: 12 }, (_, i) => randomBytes(5000, 7000 + i));
      append(acc, 0, random);
      const q = acc.queue('t', 0);
      expect(q.batches.map((b) => b.bytes)).toEqual(random.map(() => 5026));
      const sent: ReturnType<typeof entries> = [];
      const sizes: number[] = [];
      while (q.nextUnsent !== undefined) {
        const planned = builder.build([q], { closedOnly: false, maxHeld: Number.POSITIVE_INFINITY });
        const set = planned.topics[0]!.partitions[0]!.messageSet as Uint8Array;
        sizes.push(set.length - 12);
        sent.push(...entries(set));
        for (const c of planned.carried) {
          unsend(c.queue, c.batches);
          c.queue.batches.splice(0, c.batches.length);
        }
      }
      // Halved: two of the four batches.
      expect(sent[0]!.values).toHaveLength(2);
      for (const size of sizes) expect(size).toBeLessThanOrEqual(cap);
      expect(sent.flatMap((w) => w.values)).toEqual(random.map(String));
    });

    it(`${codec}: a compressed message exactly at the bound is sent whole; one byte over, it is cut`, () => {
      const random = Array.from({ length: 6 }, (_, i) => randomBytes(5000, 8000 + i));
      // The message four of these records make, found with room to spare (a fifth would not fit).
      const first = (cap: number) => {
        const { acc, builder } = setup(codec, 512, { maxRequestSize: cap });
        append(acc, 0, random);
        const planned = builder.build([acc.queue('t', 0)], {
          closedOnly: false,
          maxHeld: Number.POSITIVE_INFINITY,
        });
        const set = planned.topics[0]!.partitions[0]!.messageSet as Uint8Array;
        return { message: set.length - 12, records: entries(set)[0]!.values.length };
      };
      const four = first(25_000);
      expect(four.records).toBe(4);
      // Random bytes grow under every codec: the message is over the 20,104 bytes joined.
      expect(four.message).toBeGreaterThan(4 * 5026);
      expect(first(four.message)).toEqual(four);
      expect(first(four.message - 1).records).toBe(2);
    });
  }

  it('closed batches only, when asked: the open batch stays out of the wrapper and takes records', () => {
    const { acc, builder } = setup('lz4', 1024);
    append(acc, 0, values);
    const q = acc.queue('t', 0);
    const open = q.batches[q.batches.length - 1]!;
    expect(open.closed).toBe(false);
    const planned = builder.build([q], { closedOnly: true, maxHeld: Number.POSITIVE_INFINITY });
    expect(planned.carried[0]!.batches).not.toContain(open);
    expect(open.compressed).toBeUndefined();
    expect(open.wrapped).toBe(0);
    const before = open.count;
    append(acc, 0, [letterText(10, 999)]);
    expect(open.count).toBe(before + 1);
  });

  it("a wrapper is planned within the request's share of buffer.memory and max.request.size", () => {
    const { acc, builder } = setup('lz4', 1024);
    append(acc, 0, values);
    const q = acc.queue('t', 0);
    const batches = [...q.batches];
    // Room for the first batch and the next: each record holds 100 bytes of the budget here.
    const twoHeld = batches[0]!.held + batches[1]!.held;
    const planned = builder.build([q], { closedOnly: false, maxHeld: twoHeld });
    expect(planned.carried[0]!.batches).toEqual(batches.slice(0, 2));
    expect(planned.leftOver).toBe(true);
    expect(batches[0]!.wrapped).toBe(2);
    expect(batches[2]!.wrapped).toBe(0);
    // Another partition with no room left in a request stays uncompressed, free to join its later batches.
    append(acc, 1, values.slice(0, 20));
    const other = acc.queue('t', 1);
    const q0Held = batches.slice(2).reduce((n, b) => n + b.held, 0);
    const mixed = builder.build([q, other], { closedOnly: false, maxHeld: q0Held });
    expect(mixed.carried.map((c) => c.queue)).toEqual([q]);
    expect(other.batches.every((b) => b.compressed === undefined && b.wrapped === 0)).toBe(true);
    unsend(q, mixed.carried[0]!.batches);
    const second = builder.build([q], { closedOnly: false, maxHeld: Number.POSITIVE_INFINITY });
    expect(second.carried[0]!.batches).toEqual(batches.slice(2));
    expect(entries(second.topics[0]!.partitions[0]!.messageSet)[0]!.values).toEqual(
      values.slice(batches[0]!.count + batches[1]!.count).map(String),
    );
  });

  it('a retry sends the same wrapper whole, even when the request has less room than before', () => {
    const { acc, builder } = setup('lz4', 1024);
    append(acc, 0, values);
    const q = acc.queue('t', 0);
    const batches = [...q.batches];
    const first = builder.build([q], { closedOnly: false, maxHeld: Number.POSITIVE_INFINITY });
    const wrapper = first.topics[0]!.partitions[0]!.messageSet;
    unsend(q, first.carried[0]!.batches);
    // A retry with room for one batch only still takes the whole wrapper (a request's first is always taken).
    const again = builder.build([q], { closedOnly: false, maxHeld: batches[0]!.held });
    expect(again.carried[0]!.batches).toEqual(batches);
    expect(again.topics[0]!.partitions[0]!.messageSet).toBe(wrapper);
    expect(batches.every((b) => b.attempts === 2)).toBe(true);
  });

  it('uncompressed: the batches go out as they are, one piece each', () => {
    const { acc, builder } = setup('none', 1024);
    append(acc, 0, values);
    const q = acc.queue('t', 0);
    const n = q.batches.length;
    const planned = builder.build([q], { closedOnly: false, maxHeld: Number.POSITIVE_INFINITY });
    const set = planned.topics[0]!.partitions[0]!.messageSet;
    expect(Array.isArray(set) ? set.length : 1).toBe(n);
    expect(entries(set).flatMap((e) => e.values)).toEqual(values.map(String));
  });
});
