import { afterEach, describe, expect, it } from 'vitest';
import { fetchEngineOptions, resolveConsumerConfig } from '../../../src/consumers/config.js';
import { Codec, CorruptError } from '../../../src/protocol/index.js';
import { resolveFetchEngineConfig } from '../../../src/simple-consumer/fetch-engine/config.js';
import { FetchConfigError } from '../../../src/simple-consumer/fetch-engine/errors.js';
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

  it('refuses a batch that expands past maxDecompressedBytes, in its place, and reads the others on', async () => {
    const c = await FakeCluster.start(1);
    clusters.push(c);
    c.addPartition('bomb', 0, 0);
    c.addPartition('bomb', 1, 0);
    // About 4 MiB of zeros in one gzip wrapper of a few KiB, over a 1 MiB limit.
    c.append(
      'bomb',
      0,
      Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024)),
      Codec.Gzip,
    );
    c.append('bomb', 1, ['fine'], Codec.Gzip);
    const engine = new FetchEngine(c.metadata(), {
      maxWaitMs: 20,
      socketTimeoutMs: 1000,
      fetchSizeBytes: 64 * 1024,
      maxDecompressedBytes: 1024 * 1024,
    });
    try {
      engine.assign([
        { topic: 'bomb', partition: 0, offset: 0n },
        { topic: 'bomb', partition: 1, offset: 0n },
      ]);
      const seen: string[] = [];
      let refused: unknown;
      for (let i = 0; i < 2; i++) {
        try {
          const b = await engine.next();
          for (const m of b.messages) seen.push(`${b.partition}:${m.value?.toString()}`);
        } catch (err) {
          refused = err;
        }
      }
      expect(refused).toBeInstanceOf(CorruptError);
      expect((refused as CorruptError).reason).toBe('too-large');
      expect((refused as CorruptError).topic).toBe('bomb');
      expect((refused as CorruptError).partition).toBe(0);
      expect(seen).toEqual(['1:fine']);
    } finally {
      await engine.close();
    }
  });

  it("validates maxDecompressedBytes and passes the consumers' setting to the engine", () => {
    expect(() => resolveFetchEngineConfig({ maxDecompressedBytes: 0 })).toThrow(FetchConfigError);
    expect(() => resolveFetchEngineConfig({ maxDecompressedBytes: 1.5 })).toThrow(FetchConfigError);
    expect(resolveFetchEngineConfig({}).maxDecompressedBytes).toBe(64 * 1024 * 1024);
    const config = resolveConsumerConfig({
      'bootstrap.servers': '127.0.0.1:9092',
      'zookeeper.connect': '127.0.0.1:2181',
      'group.id': 'g',
      maxDecompressedBytes: 2 * 1024 * 1024,
    });
    expect(fetchEngineOptions(config).maxDecompressedBytes).toBe(2 * 1024 * 1024);
  });
});
