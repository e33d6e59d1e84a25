import { afterEach } from 'vitest';
import {
  type FetchBatch,
  FetchEngine,
  type FetchEngineInit,
} from '../../../src/simple-consumer/fetch-engine/index.js';
import { FakeCluster } from './fetch-engine-fake-cluster.js';

/**
 * Fake clusters and engines for one test file, closed after each test; call once at the top of
 * the file. `engine` gives short waits and backoffs so failures show within a test's timeout;
 * `keep` takes an engine built with other settings.
 */
export function engineHarness(): {
  cluster(brokers: number): Promise<FakeCluster>;
  engine(c: FakeCluster, init?: FetchEngineInit, requestTimeoutMs?: number): FetchEngine;
  keep(e: FetchEngine): FetchEngine;
} {
  const clusters: FakeCluster[] = [];
  const engines: FetchEngine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    await Promise.all(clusters.splice(0).map((c) => c.stop()));
  });
  return {
    async cluster(brokers) {
      const c = await FakeCluster.start(brokers);
      clusters.push(c);
      return c;
    },
    engine(c, init = {}, requestTimeoutMs) {
      const e = new FetchEngine(c.metadata(requestTimeoutMs), {
        maxWaitMs: 20,
        refreshLeaderBackoffMs: 5,
        maxRefreshLeaderBackoffMs: 20,
        socketTimeoutMs: 1000,
        ...init,
      });
      engines.push(e);
      return e;
    },
    keep(e) {
      engines.push(e);
      return e;
    },
  };
}

/** Pulls batches until `count` messages arrived; fails (never hangs) after `ms`. */
export async function take(e: FetchEngine, count: number, ms = 5000): Promise<FetchBatch[]> {
  const batches: FetchBatch[] = [];
  let n = 0;
  const deadline = Date.now() + ms;
  while (n < count) {
    const left = deadline - Date.now();
    const b = await Promise.race([
      e.next(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`only ${n} of ${count} messages within ${ms} ms`)), left),
      ),
    ]);
    batches.push(b);
    n += b.messages.length;
  }
  return batches;
}

/** The values of `batches` as strings, of one partition (or topic) when given. */
export function values(batches: FetchBatch[], topic?: string, partition?: number): string[] {
  return batches
    .filter(
      (b) =>
        (topic === undefined || b.topic === topic) && (partition === undefined || b.partition === partition),
    )
    .flatMap((b) => b.messages.map((m) => m.value?.toString() ?? '<null>'));
}

export function range(prefix: string, from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
}

/** What `p` rejects with; fails when it resolves or does not settle within `ms`. */
export async function rejection(p: Promise<unknown>, ms = 5000): Promise<unknown> {
  return Promise.race([
    p.then(
      () => new Error('expected a rejection, got a batch'),
      (err: unknown) => err,
    ),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no rejection within ${ms} ms`)), ms)),
  ]);
}

/** `next()` until it rejects: the values delivered before, and the error. */
export async function readToError(e: FetchEngine): Promise<{ delivered: string[]; error: unknown }> {
  const delivered: string[] = [];
  for (;;) {
    try {
      delivered.push(...values([await e.next()]));
    } catch (error) {
      return { delivered, error };
    }
  }
}

/**
 * Partitions 0..n-1 of `topic` on broker 0, `count` values each (`make(partition, i)`), all
 * assigned from offset 0.
 */
export function assignFilled(
  c: FakeCluster,
  e: FetchEngine,
  topic: string,
  partitions: number,
  count: number,
  make: (partition: number, i: number) => string,
): void {
  for (let p = 0; p < partitions; p++) {
    c.addPartition(topic, p, 0);
    c.append(
      topic,
      p,
      Array.from({ length: count }, (_, i) => make(p, i)),
    );
  }
  e.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0n })));
}
