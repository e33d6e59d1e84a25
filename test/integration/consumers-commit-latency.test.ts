import { describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082, SimpleStringSchema } from '../../src/index.js';
import { sharedCluster } from '../helpers/cluster.js';
import { props, readN, seedTopic, uniqueGroup, zkOffsetPath } from './consumers-helpers.js';

const k = () => sharedCluster('0.8.2.2');

const ROUNDS = 7;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// A 0.8 broker answers one request per connection at a time, and holds a Fetch at the end of an
// idle log for fetch.wait.max.ms. A commit behind it on the same connection would wait that
// long; on a connection of its own it takes one round trip.
describe('checkpoint commits of a consumer long-polling an idle topic', () => {
  for (const [store, extra] of [
    ['ZooKeeper (OffsetCommit v0)', {}],
    ['Kafka (OffsetCommit v1)', { 'offsets.storage': 'kafka', 'dual.commit.enabled': 'false' }],
  ] as const) {
    it(`commit to ${store} in far less than fetch.wait.max.ms=500`, async () => {
      const topic = await seedTopic(k(), 'commit-latency', 1, ROUNDS);
      const group = uniqueGroup('latency');
      const c = new FlinkKafkaConsumer082(
        topic,
        new SimpleStringSchema(),
        props(k(), group, { checkpointing: true, 'fetch.wait.max.ms': 500, ...extra }),
      );
      const took: number[] = [];
      try {
        // All records came in the first fetch: the consumer is at the log end, and its next
        // fetch waits at the broker while the records are handed out one per checkpoint.
        for (let id = 1; id <= ROUNDS; id++) {
          expect(await readN(c, 1)).toEqual([`0:${id - 1}`]);
          c.snapshotState(id);
          const started = performance.now();
          expect(await c.notifyCheckpointComplete(id)).toBe(true);
          took.push(performance.now() - started);
        }
      } finally {
        await c.close();
      }
      const ms = took.map((t) => Math.round(t));
      expect(median(took), `commit times ${ms.join(', ')} ms`).toBeLessThan(150);
      if (store.startsWith('ZooKeeper'))
        expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBe(String(ROUNDS));
    });
  }
});
