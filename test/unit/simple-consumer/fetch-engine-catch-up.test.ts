import { describe, expect, it } from 'vitest';
import { encodeMessageSet } from '../../../src/protocol/index.js';
import {
  FetchEngine,
  type FetchEngineInit,
  type FetchSizeGrownEvent,
  MessageTooLargeError,
} from '../../../src/simple-consumer/fetch-engine/index.js';
import type { FakeCluster } from './fetch-engine-fake-cluster.js';
import { assignFilled, engineHarness } from './fetch-engine-harness.js';

const { cluster, keep } = engineHarness();

async function setup(init: FetchEngineInit): Promise<{ c: FakeCluster; e: FetchEngine }> {
  const c = await cluster(1);
  const e = keep(new FetchEngine(c.metadata(), { maxWaitMs: 20, socketTimeoutMs: 1000, ...init }));
  return { c, e };
}

/** Reads until `count` values or an error; never hangs. */
async function read(
  e: FetchEngine,
  count: number,
): Promise<{ values: string[]; error?: unknown; largestBatch: number }> {
  const values: string[] = [];
  let largestBatch = 0;
  const deadline = Date.now() + 5000;
  while (values.length < count && Date.now() < deadline) {
    try {
      const b = await Promise.race([
        e.next(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('timed out')), Math.max(0, deadline - Date.now())),
        ),
      ]);
      for (const m of b.messages) values.push(m.value?.toString() ?? '<null>');
      largestBatch = Math.max(largestBatch, b.count);
    } catch (error) {
      return { values, error, largestBatch };
    }
  }
  return { values, largestBatch };
}

const text = (i: number): string => `v${String(i).padStart(4, '0')}-${'x'.repeat(40)}`;

describe('FetchEngine: catch-up fetch size', () => {
  it('asks for more while a partition is behind, within the budget share, and not when it is not', async () => {
    const { c, e } = await setup({ fetchSizeBytes: 500, catchUpFetchBytes: 4000, prefetchBytes: 6000 });
    c.addPartition('u', 0, 0);
    c.addPartition('u', 1, 0);
    c.append(
      'u',
      0,
      Array.from({ length: 300 }, (_, i) => text(i)),
    );
    e.assign([
      { topic: 'u', partition: 0, offset: 0n },
      { topic: 'u', partition: 1, offset: 0n },
    ]);
    const { values, largestBatch } = await read(e, 300);
    expect(values).toEqual(Array.from({ length: 300 }, (_, i) => text(i)));
    // A 3000-byte answer is still handed out in batches of about the 500-byte fetch size
    // (entries are 72 bytes: a batch ends at the entry that reaches 500, the 7th), where a
    // single batch per answer would hold up to 41.
    expect(largestBatch).toBeLessThanOrEqual(7);
    const sizes = (p: number) =>
      c.fetches.flatMap((f) => f.partitions.filter((x) => x.partition === p).map((x) => x.maxBytes));
    // The first request of each partition uses the fetch size; once p0 came back full it asks
    // for more, but never above prefetchBytes / (2 x brokers) = 3000.
    expect(sizes(0)[0]).toBe(500);
    expect(sizes(0)).toContain(3000);
    expect(Math.max(...sizes(0))).toBe(3000);
    // p1 is empty, never behind: always the plain fetch size.
    expect(new Set(sizes(1))).toEqual(new Set([500]));
  });

  it('asks for twice the catch-up size for entries of 4 KiB and more, still within the budget share', async () => {
    const { c, e } = await setup({
      fetchSizeBytes: 20_000,
      catchUpFetchBytes: 40_000,
      prefetchBytes: 400_000,
    });
    c.addPartition('big', 0, 0);
    c.addPartition('small', 0, 0);
    const big = (i: number): string => `b${String(i).padStart(4, '0')}${'y'.repeat(5000)}`;
    c.append(
      'big',
      0,
      Array.from({ length: 60 }, (_, i) => big(i)),
    );
    c.append(
      'small',
      0,
      Array.from({ length: 3000 }, (_, i) => text(i)),
    );
    e.assign([
      { topic: 'big', partition: 0, offset: 0n },
      { topic: 'small', partition: 0, offset: 0n },
    ]);
    const { values } = await read(e, 3060);
    expect(values.filter((v) => v.startsWith('b'))).toEqual(Array.from({ length: 60 }, (_, i) => big(i)));
    const sizes = (topic: string) =>
      c.fetches.flatMap((f) => f.partitions.filter((x) => x.topic === topic).map((x) => x.maxBytes));
    expect(Math.max(...sizes('big'))).toBe(80_000);
    expect(Math.max(...sizes('small'))).toBe(40_000);
    // The share of the budget still caps it: 100_000 / (2 x 1 broker).
    const capped = await setup({ fetchSizeBytes: 20_000, catchUpFetchBytes: 40_000, prefetchBytes: 100_000 });
    capped.c.addPartition('big', 0, 0);
    capped.c.append(
      'big',
      0,
      Array.from({ length: 60 }, (_, i) => big(i)),
    );
    capped.e.assign([{ topic: 'big', partition: 0, offset: 0n }]);
    expect((await read(capped.e, 60)).values).toHaveLength(60);
    expect(Math.max(...capped.c.fetches.flatMap((f) => f.partitions.map((x) => x.maxBytes)))).toBe(50_000);
  });

  it('hands an answer out in batches of batchBytes, smaller than the fetch size when asked', async () => {
    const { c, e } = await setup({ fetchSizeBytes: 2000, batchBytes: 300 });
    c.addPartition('u', 0, 0);
    c.append(
      'u',
      0,
      Array.from({ length: 100 }, (_, i) => text(i)),
    );
    e.assign([{ topic: 'u', partition: 0, offset: 0n }]);
    const { values, largestBatch } = await read(e, 100);
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => text(i)));
    // 72-byte entries: a batch ends at the entry that reaches 300, the 5th; a 2000-byte answer
    // cut at the fetch size would be one batch of up to 27.
    expect(largestBatch).toBe(5);
    expect(c.fetches.every((f) => f.partitions.every((x) => x.maxBytes >= 2000))).toBe(true);
  });

  it('treats a message bigger than the fetch size the same with and without catch-up', async () => {
    const outcome = async (catchUpFetchBytes: number) => {
      const { c, e } = await setup({ fetchSizeBytes: 300, maxFetchSizeBytes: 600, catchUpFetchBytes });
      c.addPartition('o', 0, 0);
      const small = Array.from({ length: 20 }, (_, i) => text(i));
      c.append('o', 0, [...small, 'y'.repeat(450), 'after', 'z'.repeat(900), 'never']);
      const grown: FetchSizeGrownEvent[] = [];
      e.on('fetch-size-grown', (g) => grown.push(g));
      e.assign([{ topic: 'o', partition: 0, offset: 0n }]);
      const r = await read(e, 100);
      return { values: r.values, error: r.error, grown: grown.map((g) => [g.offset, g.from, g.to]) };
    };
    const plain = await outcome(300);
    const boosted = await outcome(8000);
    expect(plain.values.length).toBe(22);
    expect(plain.error).toBeInstanceOf(MessageTooLargeError);
    expect((plain.error as MessageTooLargeError).offset).toBe(22n);
    expect(boosted.values).toEqual(plain.values);
    expect(boosted.error).toBeInstanceOf(MessageTooLargeError);
    expect((boosted.error as MessageTooLargeError).offset).toBe(22n);
    expect(boosted.grown).toEqual(plain.grown);
  });

  it('asks partitions with data for about one catch-up fetch per request in all', async () => {
    // 16 partitions of about 220 KB and a budget with room for all of them at their fetch size:
    // a request used to carry every one (160_000 asked); the broker then idled while that
    // answer was handed out. Now at most what one catch-up fetch holds, by each one's backlog.
    const { c, e } = await setup({
      fetchSizeBytes: 10_000,
      catchUpFetchBytes: 20_000,
      prefetchBytes: 1_000_000,
    });
    const count = 3000;
    const entry = (p: number) => encodeMessageSet([{ value: Buffer.from(text(p * 10_000)) }]).length;
    assignFilled(c, e, 'w', 16, count, (p, i) => text(p * 10_000 + i));
    const { values } = await read(e, 16 * count);
    expect(values).toHaveLength(16 * count);
    // What each partition of a request had left to read, up to what it asked for.
    const likely = (p: { partition: number; fetchOffset: bigint; maxBytes: number }) =>
      Math.min(p.maxBytes, (count - Number(p.fetchOffset)) * entry(p.partition));
    for (const f of c.fetches.slice(1)) {
      const withData = f.partitions.filter((p) => p.fetchOffset < BigInt(count));
      if (withData.length < 2) continue;
      // The first always goes; the others only within the 20_000.
      expect(withData.reduce((n, p) => n + likely(p), 0) - likely(withData[0]!)).toBeLessThan(20_000);
      expect(withData.reduce((n, p) => n + likely(p), 0)).toBeLessThanOrEqual(20_000 + 10_000);
    }
    expect(c.fetches.length).toBeGreaterThan((16 * count * entry(0)) / 20_000);
  });

  it('counts what a partition likely holds, not what it asks for, toward that catch-up fetch', async () => {
    // 32 partitions of 100 entries of 72 bytes: the first probes (4096 bytes each) come back
    // full, then each asks for its 10_000 fetch size with 44 entries (3,168 bytes) left. By
    // their asks two would share a request; by what they hold, six.
    const { c, e } = await setup({
      fetchSizeBytes: 10_000,
      catchUpFetchBytes: 20_000,
      prefetchBytes: 1_000_000,
    });
    const count = 100;
    const entry = encodeMessageSet([{ value: Buffer.from(text(0)) }]).length;
    assignFilled(c, e, 'w', 32, count, (_, i) => text(i));
    expect((await read(e, 32 * count)).values).toHaveLength(32 * count);
    const second = c.fetches[1]!.partitions[0]!;
    expect(second.maxBytes).toBe(10_000);
    const left = (count - Number(second.fetchOffset)) * entry;
    expect(left).toBeLessThan(10_000 / 2);
    const widest = Math.max(
      ...c.fetches.slice(1).map((f) => f.partitions.filter((p) => p.fetchOffset < BigInt(count)).length),
    );
    expect(widest).toBe(Math.floor(20_000 / left));
  });
  it('reads compressed partitions in order in every codec, several to a request within the cap', async () => {
    // Compressed entries overstate what a partition holds (a wrapper's bytes per inner offset),
    // so such partitions count for their whole ask; every record still comes, in order.
    const { c, e } = await setup({
      fetchSizeBytes: 6000,
      catchUpFetchBytes: 12_000,
      prefetchBytes: 1_000_000,
    });
    const codecs = [1, 2, 3] as const;
    for (let p = 0; p < 6; p++) {
      c.addPartition('z', p, 0);
      for (let w = 0; w < 20; w++) {
        c.append(
          'z',
          p,
          Array.from({ length: 50 }, (_, i) => text(p * 10_000 + w * 50 + i)),
          codecs[p % 3],
        );
      }
    }
    e.assign(Array.from({ length: 6 }, (_, partition) => ({ topic: 'z', partition, offset: 0n })));
    const { values, error } = await read(e, 6 * 1000);
    expect(error).toBeUndefined();
    for (let p = 0; p < 6; p++) {
      const mine = values.filter(
        (v) =>
          Number(v.slice(1, v.indexOf('-'))) >= p * 10_000 &&
          Number(v.slice(1, v.indexOf('-'))) < (p + 1) * 10_000,
      );
      expect(mine).toEqual(Array.from({ length: 1000 }, (_, i) => text(p * 10_000 + i)));
    }
    const widest = Math.max(
      ...c.fetches.slice(1).map((f) => f.partitions.filter((x) => x.fetchOffset < 1000n).length),
    );
    // Two fetch sizes make the 12_000 cap.
    expect(widest).toBe(2);
  });
});
