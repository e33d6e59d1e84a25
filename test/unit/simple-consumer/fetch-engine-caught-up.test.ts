import { describe, expect, it } from 'vitest';
import { FetchEngine, type FetchEngineInit } from '../../../src/simple-consumer/fetch-engine/index.js';
import type { FakeCluster } from './fetch-engine-fake-cluster.js';
import { assignFilled, engineHarness } from './fetch-engine-harness.js';

// Partitions read up to the log end while others still have data. A broker holds a request in
// which no partition has data for MaxWaitTime, and a request reserves budget for what it asks.
// Both cases were found by the scaling benchmark on real brokers (bench/scaling.js).

const { cluster, keep } = engineHarness();

async function setup(brokers: number, init: FetchEngineInit): Promise<{ c: FakeCluster; e: FetchEngine }> {
  const c = await cluster(brokers);
  const e = keep(new FetchEngine(c.metadata(), { socketTimeoutMs: 5000, ...init }));
  return { c, e };
}

const value = (p: number, i: number): string => `${p}:${i}:${'x'.repeat(60)}`;

/** Reads `total` messages; returns how many arrived before `ms` passed. */
async function readAll(e: FetchEngine, total: number, ms: number): Promise<number> {
  let seen = 0;
  const deadline = Date.now() + ms;
  while (seen < total && Date.now() < deadline) {
    const b = await Promise.race([
      e.next(),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), Math.max(1, deadline - Date.now()))),
    ]);
    if (b !== undefined) seen += b.count;
  }
  return seen;
}

describe('FetchEngine: partitions at the log end beside partitions with data', () => {
  it('keeps reading the partitions of other brokers while caught-up ones hold requests (5 brokers)', async () => {
    // Brokers 0-2 lead 8 partitions with a little data, brokers 3-4 8 with a lot; the budget is
    // 8 fetch sizes. The caught-up partitions' requests, each held MaxWaitTime and re-sent at
    // once, kept the whole budget reserved: brokers 3 and 4 were never fetched from again.
    const { c, e } = await setup(5, { fetchSizeBytes: 100_000, prefetchBytes: 800_000, maxWaitMs: 200 });
    const big = 'x'.repeat(1000);
    const parts: { partition: number; count: number }[] = [];
    for (let p = 0; p < 16; p++) {
      const leader = p < 8 ? p % 3 : 3 + (p % 2);
      const count = p < 8 ? 5 : 400;
      c.addPartition('t', p, leader);
      c.append(
        't',
        p,
        Array.from({ length: count }, (_, i) => `${p}:${i}:${big}`),
      );
      parts.push({ partition: p, count });
    }
    const total = parts.reduce((n, p) => n + p.count, 0);
    // The small partitions first: read to their end, their requests then wait at the brokers.
    const small = parts.filter((p) => p.partition < 8);
    e.assign(small.map(({ partition }) => ({ topic: 't', partition, offset: 0n })));
    expect(await readAll(e, 40, 5000)).toBe(40);
    await new Promise((r) => setTimeout(r, 50));
    e.assign(
      parts.filter((p) => p.partition >= 8).map(({ partition }) => ({ topic: 't', partition, offset: 0n })),
    );
    expect(await readAll(e, total - 40, 15_000)).toBe(total - 40);
  }, 30_000);

  it('asks partitions it has not fetched yet for probes, so the first answer is small', async () => {
    // 16 partitions of 1 MiB fetch size and a 16 MiB budget: full sizes would make the first
    // request ask for all of the budget, and the broker would idle until it was handed out.
    const { c, e } = await setup(1, { fetchSizeBytes: 1 << 20, prefetchBytes: 16 << 20, maxWaitMs: 100 });
    assignFilled(c, e, 't', 16, 50, value);
    expect(await readAll(e, 800, 5000)).toBe(800);
    const first = c.fetches[0]!.partitions;
    expect(first).toHaveLength(16);
    // Together no more than one catch-up fetch (2 MiB): a sixteenth of it each.
    expect(first.reduce((n, p) => n + p.maxBytes, 0)).toBeLessThanOrEqual(2 << 20);
    expect(Math.max(...first.map((p) => p.maxBytes))).toBe((2 << 20) / 16);
  });

  it('after a full first probe asks for the fetch size, for every partition alike', async () => {
    // A request asks for about one catch-up fetch in all; were full probes to make partitions
    // behind, 16 partitions would be read one per request.
    const { c, e } = await setup(1, { fetchSizeBytes: 100_000, prefetchBytes: 1_600_000, maxWaitMs: 100 });
    assignFilled(c, e, 't', 16, 3000, value);
    expect(await readAll(e, 48_000, 10_000)).toBe(48_000);
    // The first request: probes of 800_000 / 16 each, all of them full.
    expect(c.fetches[0]!.partitions.map((p) => p.maxBytes)).toEqual(Array(16).fill(50_000));
    // The next one: several partitions at their fetch size, none at the catch-up size.
    const second = c.fetches[1]!.partitions;
    expect(second.length).toBeGreaterThan(1);
    expect(second.every((p) => p.maxBytes === 100_000)).toBe(true);
  });

  it('never lets the broker hold a request of caught-up partitions only while another has data', async () => {
    const { c, e } = await setup(1, { fetchSizeBytes: 1000, prefetchBytes: 16_000, maxWaitMs: 100 });
    const ends = new Map<number, bigint>();
    for (let p = 0; p < 64; p++) {
      c.addPartition('t', p, 0);
      // Uneven: some partitions end after one fetch, others need many.
      const count = p % 4 === 0 ? 120 : 3;
      c.append(
        't',
        p,
        Array.from({ length: count }, (_, i) => value(p, i)),
      );
      ends.set(p, BigInt(count));
    }
    const total = [...ends.values()].reduce((n, v) => n + Number(v), 0);
    e.assign([...ends.keys()].map((partition) => ({ topic: 't', partition, offset: 0n })));
    expect(await readAll(e, total, 20_000)).toBe(total);
    // Requests sent before the last data was fetched, in which every partition was at its end.
    let lastWithData = c.fetches.length - 1;
    while (
      lastWithData >= 0 &&
      c.fetches[lastWithData]!.partitions.every((p) => p.fetchOffset >= ends.get(p.partition)!)
    )
      lastWithData--;
    // Probes may go alone when partitions with data wait for room, but with MaxWaitTime 0.
    const idleOnly = c.fetches
      .slice(0, lastWithData)
      .filter((f) => f.maxWaitMs > 0 && f.partitions.every((p) => p.fetchOffset >= ends.get(p.partition)!));
    expect(idleOnly.length, `of ${c.fetches.length} requests`).toBe(0);
  }, 30_000);

  it('asks a caught-up partition for a probe, and for its whole size once new data fills the probe', async () => {
    const { c, e } = await setup(1, { fetchSizeBytes: 200_000, prefetchBytes: 2_000_000, maxWaitMs: 50 });
    c.addPartition('t', 0, 0);
    c.append('t', 0, ['first']);
    e.assign([{ topic: 't', partition: 0, offset: 0n }]);
    expect(await readAll(e, 1, 5000)).toBe(1);
    // New data: two entries larger than a probe but within the fetch size. No fetch size growth.
    const grown: unknown[] = [];
    e.on('fetch-size-grown', (g) => grown.push(g));
    const big = Buffer.alloc(100_000, 0x61);
    c.append('t', 0, [big, big]);
    expect(await readAll(e, 2, 5000)).toBe(2);
    expect(grown).toEqual([]);
    const asked = c.fetches.map((f) => ({
      offset: f.partitions[0]!.fetchOffset,
      size: f.partitions[0]!.maxBytes,
    }));
    // At the log end (offset 1) it asked for a probe; the full probe made the next ask for more.
    const probe = asked.findIndex((a) => a.offset === 1n);
    expect(asked[probe]!.size).toBeLessThan(200_000);
    expect(asked[probe + 1]!.size).toBeGreaterThanOrEqual(200_000);
  }, 30_000);

  it('asks a caught-up partition at most once per maxWaitMs while another has data', async () => {
    // 20 empty partitions beside one with 300 KB to read in 1000-byte fetches (about 300
    // requests, read well within the 10 s wait): each empty one is asked once when it is found
    // at its end, then not again while partition 0 has data. Every request used to carry them.
    const { c, e } = await setup(1, {
      fetchSizeBytes: 1000,
      catchUpFetchBytes: 1000,
      maxWaitMs: 10_000,
      socketTimeoutMs: 20_000,
    });
    for (let p = 0; p <= 20; p++) c.addPartition('t', p, 0);
    const count = 3000;
    c.append(
      't',
      0,
      Array.from({ length: count }, (_, i) => value(0, i)),
    );
    e.assign(Array.from({ length: 21 }, (_, partition) => ({ topic: 't', partition, offset: 0n })));
    expect(await readAll(e, count, 20_000)).toBe(count);
    const whileData = c.fetches.filter((f) =>
      f.partitions.some((p) => p.partition === 0 && p.fetchOffset < BigInt(count)),
    );
    expect(whileData.length).toBeGreaterThan(100);
    for (let p = 1; p <= 20; p++) {
      const asked = whileData.filter((f) => f.partitions.some((x) => x.partition === p)).length;
      // The first request (not fetched yet), then once at its end.
      expect(asked, `partition ${p}`).toBeLessThanOrEqual(2);
    }
  }, 30_000);

  it('still reads new records of a caught-up partition while another has data', async () => {
    // Partition 0 is read slowly (a pause after every batch) and the budget holds two of its
    // answers, so it has data for seconds and takes all the room each answer handed out frees;
    // records appended to the caught-up partition 1 meanwhile arrive within about maxWaitMs.
    // Partition 1 used to be asked again only once partition 0 was read to its end.
    const { c, e } = await setup(1, {
      fetchSizeBytes: 2000,
      catchUpFetchBytes: 2000,
      prefetchBytes: 4000,
      maxWaitMs: 200,
    });
    c.addPartition('t', 0, 0);
    c.addPartition('t', 1, 0);
    const count = 4000;
    c.append(
      't',
      0,
      Array.from({ length: count }, (_, i) => value(0, i)),
    );
    e.assign([
      { topic: 't', partition: 0, offset: 0n },
      { topic: 't', partition: 1, offset: 0n },
    ]);
    let fromZero = 0;
    let appendedAt: number | undefined;
    let arrivedAfter: number | undefined;
    let zeroLeft: number | undefined;
    const deadline = Date.now() + 20_000;
    while (arrivedAfter === undefined && Date.now() < deadline) {
      const b = await e.next();
      if (b.partition === 0) fromZero += b.count;
      else if (appendedAt !== undefined) {
        arrivedAfter = Date.now() - appendedAt;
        zeroLeft = count - fromZero;
      }
      if (appendedAt === undefined && fromZero >= 200) {
        c.append('t', 1, ['new']);
        appendedAt = Date.now();
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(arrivedAfter).toBeDefined();
    expect(arrivedAfter!).toBeLessThan(2000);
    expect(zeroLeft!).toBeGreaterThan(0);
    // Probes that went without partition 0 (no room for it) asked the broker not to wait.
    const probesAlone = c.fetches.filter((f) => f.partitions.every((p) => p.partition === 1)).slice(1);
    expect(probesAlone.length).toBeGreaterThan(0);
    expect(probesAlone.every((f) => f.maxWaitMs === 0)).toBe(true);
  }, 30_000);
});
