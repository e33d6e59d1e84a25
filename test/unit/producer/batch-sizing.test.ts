/**
 * Compressed, batch.size bounds a batch's estimated compressed size, as in Kafka's Java producer:
 * a batch takes uncompressed records until they times the ratio seen so far (0.5 at first, each
 * wrapper moving it a tenth of the way) times 1.05 reach batch.size, capped at 16 times batch.size
 * uncompressed. Uncompressed, batch.size bounds the set itself.
 */
import { describe, expect, it } from 'vitest';
import { RecordAccumulator } from '../../../src/producer/accumulator.js';
import { BatchSizing, MAX_INFLATION, requestShare } from '../../../src/producer/batch-sizing.js';
import { resolveProducerConfig } from '../../../src/producer/config.js';
import { RequestBuilder } from '../../../src/producer/request-builder.js';
import { decodeMessageSet } from '../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { letterText, randomBytes } from '../../helpers/xorshift.js';
import { producerOnFakeCluster } from './fake-cluster.js';

const setup = producerOnFakeCluster();

/** Each top-level entry of a message set: its whole size and how many records it carries. */
function wrappers(set: Buffer): { bytes: number; inner: number; innerBytes: number }[] {
  const out: { bytes: number; inner: number; innerBytes: number }[] = [];
  for (let at = 0; at < set.length; ) {
    const bytes = 12 + set.readInt32BE(at + 8);
    const one = set.subarray(at, at + bytes);
    const inner = decodeMessageSet(one, { fetchOffset: 0n, requireRisingOffsets: false }).messages;
    out.push({
      bytes,
      inner: inner.length,
      innerBytes: inner.reduce((n, m) => n + 26 + (m.key?.length ?? 0) + (m.value?.length ?? 0), 0),
    });
    at += bytes;
  }
  return out;
}

/** 100-byte values that gzip to a few percent: a counter and a repeated phrase. */
const compressible = (i: number): Buffer =>
  Buffer.from(`record ${String(i).padStart(8, '0')} ${'the same words again '.repeat(5)}`.slice(0, 100));

describe('BatchSizing', () => {
  it('uncompressed: batch.size, whatever the wrappers showed', () => {
    const s = new BatchSizing(16_384, false, 1 << 20, 1 << 24);
    s.observe(100_000, 1000);
    expect(s.limit()).toBe(16_384);
  });

  it("compressed: Java's first guess (0.5), moved a tenth of the way by each wrapper, within the caps", () => {
    const s = new BatchSizing(16_384, true, 1 << 20, 1 << 24);
    expect(s.limit()).toBe(Math.floor(16_384 / (0.5 * 1.05)));
    s.observe(10_000, 1_000);
    expect(s.estimatedRatio).toBeCloseTo(0.5 * 0.9 + 0.1 * 0.1, 10);
    expect(s.limit()).toBe(Math.floor(16_384 / (0.46 * 1.05)));
    for (let i = 0; i < 200; i++) s.observe(10_000, 100);
    expect(s.limit()).toBe(MAX_INFLATION * 16_384);
    // Data that stops compressing: never less than batch.size uncompressed.
    for (let i = 0; i < 200; i++) s.observe(10_000, 10_100);
    expect(s.limit()).toBe(16_384);
  });

  it('caps at max.request.size and at one request share of buffer.memory, never below batch.size', () => {
    const wellCompressed = (s: BatchSizing) => {
      for (let i = 0; i < 200; i++) s.observe(10_000, 10);
      return s.limit();
    };
    expect(wellCompressed(new BatchSizing(16_384, true, 100_000, 1 << 24))).toBe(100_000);
    expect(wellCompressed(new BatchSizing(16_384, true, 1 << 20, 50_000))).toBe(50_000);
    expect(wellCompressed(new BatchSizing(16_384, true, 1000, 1000))).toBe(16_384);
    expect(wellCompressed(new BatchSizing(0, true, 1 << 20, 1 << 24))).toBe(0);
  });
});

describe('requestShare', () => {
  it('a third of buffer.memory with two or more requests in flight, a half with one', () => {
    const share = (bufferMemory: number, inFlight: number) =>
      requestShare({ bufferMemory, maxInFlightRequestsPerConnection: inFlight });
    expect(share(3_000, 5)).toBe(1_000);
    expect(share(3_000, 2)).toBe(1_000);
    expect(share(3_000, 1)).toBe(1_500);
    expect(share(3_001, 5)).toBe(1_000);
    expect(share(2, 5)).toBe(1);
  });
});

describe('compressed batches grow past batch.size', () => {
  it('a batch grows its buffer record by record and its set stays byte-equal, read between growths too', () => {
    const sizing = new BatchSizing(256, true, 1 << 20, 1 << 24);
    const acc = new RecordAccumulator(256, () => 0, 1 << 20, sizing);
    const values = Array.from({ length: 30 }, (_, i) => letterText(30 + i, i));
    // Read at 4 records (still in the first 256-byte buffer) and at 7 (after it grew).
    const early: { set: Buffer; count: number }[] = [];
    values.forEach((v, i) => {
      acc.append('t', 0, null, v, 0, () => {}, null);
      const b = acc.queue('t', 0).batches[0]!;
      if (i === 3 || i === 6) early.push({ set: Buffer.from(b.messageSet), count: b.count });
    });
    const batches = acc.queue('t', 0).batches;
    const limit = Math.floor(256 / (0.5 * 1.05));
    expect(batches[0]!.limit).toBe(limit);
    expect(batches[0]!.bytes).toBeGreaterThan(256);
    expect(batches[0]!.bytes).toBeLessThanOrEqual(limit);
    let at = 0;
    for (const b of batches) {
      const expected = encodeMessageSet(values.slice(at, at + b.count).map((value) => ({ value })));
      expect(Buffer.from(b.messageSet).equals(Buffer.from(expected))).toBe(true);
      at += b.count;
    }
    expect(at).toBe(values.length);
    expect(early.map((e) => e.count)).toEqual([4, 7]);
    expect(early[1]!.set.length).toBeGreaterThan(256);
    for (const e of early) {
      const expected = encodeMessageSet(values.slice(0, e.count).map((value) => ({ value })));
      expect(e.set.equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('keeps free buffers for reuse up to buffer.memory, grown ones included', () => {
    const sizing = new BatchSizing(256, true, 1 << 20, 1 << 24);
    const acc = new RecordAccumulator(256, () => 0, 1024, sizing);
    const q = acc.queue('t', 0);
    // Five batches of ~480 bytes (buffers grown to 487) and a sixth to close the fifth.
    for (let i = 0; i < 41; i++) acc.append('t', 0, null, letterText(34, i), 0, () => {}, null);
    const done = q.batches.splice(0, 5);
    expect(done.every((b) => b.closed && b.buffer!.length > 256)).toBe(true);
    const given = new Set(done.map((b) => b.buffer));
    for (const b of done) acc.releaseBuffer(b);
    // 1024 bytes of budget hold two of the 487-byte buffers: two later batches get them back.
    for (let i = 0; i < 60; i++) acc.append('t', 0, null, letterText(34, 100 + i), 0, () => {}, null);
    const reused = q.batches.filter((b) => given.has(b.buffer));
    expect(reused).toHaveLength(2);
  });

  /** Sends `values` through a gzip producer whose batches fill by size; the wrappers as sent. */
  async function gzipWrappers(batchSize: number, values: Buffer[], extra: { maxRequestSize?: number } = {}) {
    const { c, p } = await setup([0], { compressionType: 'gzip', batchSize, lingerMs: 60_000, ...extra });
    const sent = values.map((value) => p.send({ topic: 't', value }));
    await p.flush();
    await Promise.all(sent);
    expect(c.log('t', 0).map((r) => r.value)).toEqual(values.map(String));
    return c.produces.flatMap((r) => r.partitions.flatMap((x) => wrappers(x.messageSet)));
  }

  it('gzip on the wire: wrappers carry many times batch.size, within max.request.size', async () => {
    const batchSize = 1024;
    const all = await gzipWrappers(
      batchSize,
      Array.from({ length: 6000 }, (_, i) => compressible(i)),
      { maxRequestSize: 100_000 },
    );
    const full = all.slice(0, -1);
    // Batches are joined past what one batch may take (16 x batch.size), up to max.request.size.
    expect(Math.max(...full.map((w) => w.innerBytes))).toBeGreaterThan(MAX_INFLATION * batchSize);
    for (const w of all) expect(w.innerBytes).toBeLessThanOrEqual(100_000);
    // Batches of batch.size uncompressed, one wrapper each, would have made 750 wrappers of 8 records.
    expect(all.length).toBeLessThan(750 / 2);
  });

  it('gzip of data that compresses a hundredfold: batches stop at 16 times batch.size', () => {
    const batchSize = 1024;
    const config = resolveProducerConfig({
      bootstrapServers: '127.0.0.1:9092',
      compressionType: 'gzip',
      batchSize,
    });
    const sizing = new BatchSizing(batchSize, true, config.maxRequestSize, 1 << 24);
    const acc = new RecordAccumulator(batchSize, () => 0, 1 << 24, sizing);
    const builder = new RequestBuilder(config, acc);
    const q = acc.queue('t', 0);
    const sizes: number[] = [];
    // Each build compresses what is full: the wrappers' ratio lets the next batches grow.
    for (let i = 0; i < 8000; i++) {
      acc.append('t', 0, null, Buffer.alloc(100, 1), 0, () => {}, null);
      if (i % 200 === 199) {
        const planned = builder.build([q], { closedOnly: true, maxHeld: Number.POSITIVE_INFINITY });
        for (const c of planned.carried) {
          sizes.push(...c.batches.map((b) => b.bytes));
          c.queue.batches.splice(0, c.batches.length);
          c.queue.sendingBatches = 0;
          c.queue.inFlightRequests = 0;
        }
      }
    }
    expect(Math.max(...sizes)).toBeGreaterThan((MAX_INFLATION - 1) * batchSize);
    for (const bytes of sizes) expect(bytes).toBeLessThanOrEqual(MAX_INFLATION * batchSize);
  });

  it('batch.size 0 (batching off, as in Java): each record is a batch of its own, compressed or not', async () => {
    for (const compressed of [false, true]) {
      const acc = new RecordAccumulator(
        0,
        () => 0,
        1 << 20,
        new BatchSizing(0, compressed, 1 << 20, 1 << 20),
      );
      for (let i = 0; i < 5; i++) acc.append('t', 0, null, compressible(i), 0, () => {}, null);
      expect(acc.queue('t', 0).batches.map((b) => b.count)).toEqual([1, 1, 1, 1, 1]);
    }
    const { c, p } = await setup([0], { compressionType: 'gzip', batchSize: 0, lingerMs: 60_000 });
    const values = Array.from({ length: 12 }, (_, i) => compressible(i));
    const sent = values.map((value) => p.send({ topic: 't', value }));
    await p.flush();
    await Promise.all(sent);
    expect(c.log('t', 0).map((r) => r.value)).toEqual(values.map(String));
    const all = c.produces.flatMap((r) => r.partitions.flatMap((x) => wrappers(x.messageSet)));
    expect(all.map((w) => w.inner)).toEqual(values.map(() => 1));
  });

  it('gzip of data that does not compress: batches come back to batch.size', () => {
    const batchSize = 1024;
    const config = resolveProducerConfig({
      bootstrapServers: '127.0.0.1:9092',
      compressionType: 'gzip',
      batchSize,
    });
    const sizing = new BatchSizing(batchSize, true, config.maxRequestSize, 1 << 24);
    const acc = new RecordAccumulator(batchSize, () => 0, 1 << 24, sizing);
    const builder = new RequestBuilder(config, acc);
    const q = acc.queue('t', 0);
    const sizes: { limit: number; bytes: number }[] = [];
    // Appended and sent a few batches at a time, as a producer's loop and its sender take turns.
    for (let i = 0; i < 3000; i++) {
      acc.append('t', 0, null, randomBytes(100, i + 1), 0, () => {}, null);
      if (i % 40 === 39) {
        const planned = builder.build([q], { closedOnly: true, maxHeld: Number.POSITIVE_INFINITY });
        for (const c of planned.carried) {
          sizes.push(...c.batches.map((b) => ({ limit: b.limit, bytes: b.bytes })));
          c.queue.batches.splice(0, c.batches.length);
          c.queue.sendingBatches = 0;
          c.queue.inFlightRequests = 0;
        }
      }
    }
    // The first guess (0.5) lets a batch take about twice batch.size; the wrappers' ratio (~1) brings it back.
    expect(sizes[0]!.limit).toBe(Math.floor(batchSize / 0.525));
    expect(sizes[0]!.bytes).toBeGreaterThan(1.7 * batchSize);
    for (const { bytes } of sizes.slice(-10)) expect(bytes).toBeLessThanOrEqual(batchSize);
  });
});
