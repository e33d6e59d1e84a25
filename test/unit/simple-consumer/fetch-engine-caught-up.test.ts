import { describe, expect, it } from 'vitest';
import { FetchEngine, type FetchEngineInit } from '../../../src/simple-consumer/fetch-engine/index.js';
import type { FakeCluster } from './fetch-engine-fake-cluster.js';
import { engineHarness } from './fetch-engine-harness.js';

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

/** `partitions` partitions of topic `t` on broker 0, `count` values each, all assigned from 0. */
function assignFilled(c: FakeCluster, e: FetchEngine, partitions: number, count: number): void {
  for (let p = 0; p < partitions; p++) {
    c.addPartition('t', p, 0);
    c.append(
      't',
      p,
      Array.from({ length: count }, (_, i) => value(p, i)),
    );
  }
  e.assign(Array.from({ length: partitions }, (_, partition) => ({ topic: 't', partition, offset: 0n })));
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
    assignFilled(c, e, 16, 50);
    expect(await readAll(e, 800, 5000)).toBe(800);
    const first = c.fetches[0]!.partitions;
    expect(first).toHaveLength(16);
    // Together no more than one catch-up fetch (2 MiB): a sixteenth of it each.
    expect(first.reduce((n, p) => n + p.maxBytes, 0)).toBeLessThanOrEqual(2 << 20);
    expect(Math.max(...first.map((p) => p.maxBytes))).toBe((2 << 20) / 16);
  });

  it('after a full first probe asks for the fetch size, for every partition alike', async () => {
    // A request carries one partition at the catch-up size; were full probes to make partitions
    // behind, the others would wait, and 16 partitions would be read one per request.
    const { c, e } = await setup(1, { fetchSizeBytes: 100_000, prefetchBytes: 1_600_000, maxWaitMs: 100 });
    assignFilled(c, e, 16, 3000);
    expect(await readAll(e, 48_000, 10_000)).toBe(48_000);
    // The first request: probes of 800_000 / 16 each, all of them full.
    expect(c.fetches[0]!.partitions.map((p) => p.maxBytes)).toEqual(Array(16).fill(50_000));
    // The next one: several partitions at their fetch size, none at the catch-up size.
    const second = c.fetches[1]!.partitions;
    expect(second.length).toBeGreaterThan(1);
    expect(second.every((p) => p.maxBytes === 100_000)).toBe(true);
  });

  it('never sends a request of caught-up partitions only while another partition has data', async () => {
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
    const idleOnly = c.fetches
      .slice(0, lastWithData)
      .filter((f) => f.partitions.every((p) => p.fetchOffset >= ends.get(p.partition)!));
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
});
