import { describe, expect, it } from 'vitest';
import {
  type FetchBatch,
  FetchEngineClosedError,
  type RetriableErrorEvent,
} from '../../../src/simple-consumer/fetch-engine/index.js';
import { engineHarness, range, rejection, take, values } from './fetch-engine-harness.js';

// Reading and errors handled in place: fetch-engine.test.ts.
const { cluster, engine } = engineHarness();

describe('FetchEngine: flow control', () => {
  it('holds back batches prefetched for a paused partition and resumes where delivery stopped', async () => {
    const c = await cluster(1);
    c.addPartition('p', 0, 0);
    c.addPartition('p', 1, 0);
    c.append('p', 0, range('a', 0, 40));
    c.append('p', 1, range('b', 0, 40));
    // Small fetches so several batches per partition are prefetched before the pause.
    const e = engine(c, { fetchSizeBytes: 120 });
    e.assign([
      { topic: 'p', partition: 0, offset: 0n },
      { topic: 'p', partition: 1, offset: 0n },
    ]);
    const before: FetchBatch[] = [];
    while (!before.some((b) => b.partition === 0)) before.push(await e.next());
    // Let the fetchers run ahead of the consumer.
    await new Promise((r) => setTimeout(r, 100));
    expect(e.prefetchedBytes).toBeGreaterThan(0);
    e.pause([{ topic: 'p', partition: 0 }]);
    const pausedAt = e.position('p', 0)!;
    const during = await take(e, 40 - values(before, 'p', 1).length);
    expect(during.every((b) => b.partition === 1)).toBe(true);
    expect(e.position('p', 0)).toBe(pausedAt);
    e.resume([{ topic: 'p', partition: 0 }]);
    const after = await take(e, 40 - values(before, 'p', 0).length);
    expect([...values(before, 'p', 0), ...values(after, 'p', 0)]).toEqual(range('a', 0, 40));
    expect([...values(before, 'p', 1), ...values(during, 'p', 1)]).toEqual(range('b', 0, 40));
  });

  it('keeps prefetched bytes and requested bytes within the budget with many partitions', async () => {
    const c = await cluster(2);
    const partitions = 60;
    for (let p = 0; p < partitions; p++) {
      c.addPartition('many', p, p % 2);
      c.append('many', p, range(`${p}-`, 0, 20));
    }
    const budget = 4000;
    const e = engine(c, { fetchSizeBytes: 500, prefetchBytes: budget });
    e.assign(Array.from({ length: partitions }, (_, p) => ({ topic: 'many', partition: p, offset: 0n })));
    let peak = 0;
    const got: FetchBatch[] = [];
    let n = 0;
    while (n < partitions * 20) {
      peak = Math.max(peak, e.prefetchedBytes);
      const b = await e.next();
      got.push(b);
      n += b.messages.length;
      // A slow consumer: the fetchers fill the budget while it works.
      if (got.length % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(peak).toBeLessThanOrEqual(budget);
    expect(peak).toBeGreaterThan(0);
    for (const f of c.fetches) {
      expect(f.partitions.reduce((s, p) => s + p.maxBytes, 0)).toBeLessThanOrEqual(budget);
    }
    for (let p = 0; p < partitions; p++) expect(values(got, 'many', p)).toEqual(range(`${p}-`, 0, 20));
  });

  it('fetches a partition whose fetch size alone exceeds the budget, alone', async () => {
    const c = await cluster(1);
    c.addPartition('o', 0, 0);
    c.append('o', 0, range('v', 0, 5));
    const e = engine(c, { fetchSizeBytes: 1000, prefetchBytes: 10 });
    e.assign([{ topic: 'o', partition: 0, offset: 0n }]);
    expect(values(await take(e, 5))).toEqual(range('v', 0, 5));
  });

  it('seek drops prefetched data and continues from the new offset', async () => {
    const c = await cluster(1);
    c.addPartition('k', 0, 0);
    c.append('k', 0, range('v', 0, 30));
    const e = engine(c, { fetchSizeBytes: 100 });
    e.assign([{ topic: 'k', partition: 0, offset: 0n }]);
    await take(e, 1);
    await new Promise((r) => setTimeout(r, 50));
    e.seek('k', 0, 25n);
    expect(values(await take(e, 5))).toEqual(range('v', 25, 30));
  });
});

describe('FetchEngine: broker failures', () => {
  it('times out a broker that stops answering, reconnects and continues', async () => {
    const c = await cluster(1);
    c.addPartition('s', 0, 0);
    c.append('s', 0, ['before']);
    const e = engine(c, { socketTimeoutMs: 300 }, 300);
    const errors: RetriableErrorEvent[] = [];
    e.on('error', (ev) => errors.push(ev));
    e.assign([{ topic: 's', partition: 0, offset: 0n }]);
    expect(values(await take(e, 1))).toEqual(['before']);
    c.stalled.add(0);
    c.append('s', 0, ['after']);
    await new Promise((r) => setTimeout(r, 700));
    expect(errors.some((x) => x.error.name === 'RequestTimeoutError')).toBe(true);
    c.stalled.delete(0);
    expect(values(await take(e, 1))).toEqual(['after']);
    expect(c.brokers[0]!.connections.length).toBeGreaterThan(1);
  });

  it('recovers from a connection cut in the middle of a fetch response, without loss or repeat', async () => {
    const c = await cluster(1);
    c.addPartition('cut', 0, 0);
    c.append('cut', 0, range('v', 0, 10));
    c.cutting.set(0, 2);
    const e = engine(c);
    const errors: RetriableErrorEvent[] = [];
    e.on('error', (ev) => errors.push(ev));
    e.assign([{ topic: 'cut', partition: 0, offset: 0n }]);
    c.append('cut', 0, range('v', 10, 20));
    expect(values(await take(e, 20))).toEqual(range('v', 0, 20));
    expect(c.cutting.get(0)).toBe(0);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it('close() ends next() and the iterator, and stops all traffic', async () => {
    const c = await cluster(1);
    c.addPartition('q', 0, 0);
    const e = engine(c);
    e.assign([{ topic: 'q', partition: 0, offset: 0n }]);
    await c.brokers[0]!.waitForRequests(3);
    const pending = e.next();
    await e.close();
    expect(await rejection(pending)).toBeInstanceOf(FetchEngineClosedError);
    const iter = e[Symbol.asyncIterator]();
    expect(await iter.next()).toEqual({ value: undefined, done: true });
    const count = c.brokers[0]!.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(c.brokers[0]!.requests.length).toBe(count);
  });

  it('an aborted signal closes the engine', async () => {
    const c = await cluster(1);
    c.addPartition('a', 0, 0);
    const ac = new AbortController();
    const e = engine(c, { signal: ac.signal });
    e.assign([{ topic: 'a', partition: 0, offset: 0n }]);
    const pending = e.next();
    ac.abort();
    expect(await rejection(pending)).toBeInstanceOf(FetchEngineClosedError);
  });
});

describe('FetchEngine: many brokers', () => {
  it('prints no MaxListenersExceeded warning however many requests and waits share its signal', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on('warning', onWarning);
    try {
      const c = await cluster(6);
      for (let p = 0; p < 24; p++) {
        c.addPartition('w', p, p % 6);
        c.append('w', p, range(`p${p}-`, 0, 20));
      }
      const e = engine(c, { fetchSizeBytes: 200 });
      // Symbolic starts: every partition's Offsets request waits for its broker's session, the
      // way 12 listeners piled up on one signal with 3 real brokers.
      e.assign(
        Array.from({ length: 24 }, (_, p) => ({ topic: 'w', partition: p, offset: 'earliest' as const })),
      );
      await take(e, 24 * 20);
      // Warnings are emitted on a later tick.
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((n) => n === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
