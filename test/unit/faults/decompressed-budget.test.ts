import { afterEach, describe, expect, it } from 'vitest';
import { Codec } from '../../../src/protocol/index.js';
import { FetchEngine } from '../../../src/simple-consumer/fetch-engine/index.js';
import { FakeCluster } from '../simple-consumer/fetch-engine-fake-cluster.js';

// A compressed batch can expand to many times its wire size. Its decompressed bytes count in
// the prefetch budget while the batch is in the application's hands, so the fetchers do not
// fill the budget again on top of it: memory held stays near the configured budget.

const clusters: FakeCluster[] = [];
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

describe('decompressed bytes and the prefetch budget', () => {
  it('holds a handed-out batch’s decompressed bytes until the next next()', async () => {
    const c = await FakeCluster.start(1);
    clusters.push(c);
    c.addPartition('bomb', 0, 0);
    // About 4 MiB of zeros in one gzip wrapper of a few KiB.
    c.append(
      'bomb',
      0,
      Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024)),
      Codec.Gzip,
    );
    const budget = 256 * 1024;
    const engine = new FetchEngine(c.metadata(), {
      maxWaitMs: 20,
      socketTimeoutMs: 1000,
      prefetchBytes: budget,
      fetchSizeBytes: 64 * 1024,
    });
    try {
      engine.assign([{ topic: 'bomb', partition: 0, offset: 0n }]);
      const big = await engine.next();
      expect(big.count).toBe(64);
      // In hand: counted (so nothing more is fetched on top of it).
      expect(engine.prefetchedBytes).toBeGreaterThanOrEqual(4 * 1024 * 1024);
      c.append('bomb', 0, ['tail']);
      const tail = await engine.next();
      expect(tail.messages.map((m) => m.value?.toString())).toEqual(['tail']);
      expect(engine.prefetchedBytes).toBeLessThanOrEqual(budget);
    } finally {
      await engine.close();
    }
  });
});
