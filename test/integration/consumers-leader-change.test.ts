import { describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082, SimpleStringSchema } from '../../src/index.js';
import { ownCluster, uniqueTopic } from '../helpers/cluster.js';
import { props, uniqueGroup } from './consumers-helpers.js';

const cluster = ownCluster({ version: '0.8.2.2', brokers: 3 });

describe('leader change without a restart (FLINK-3368; Flink runBrokerFailureTest needed a job restart)', () => {
  it('keeps reading exactly once when the leader of a partition is killed mid-stream', async () => {
    const k = cluster.current;
    const topic = uniqueTopic('leader');
    await k.createTopic({ name: topic, partitions: 2, replicationFactor: 2 });
    const per = 300;
    await k.produce(
      topic,
      Array.from({ length: 2 * per }, (_, i) => ({
        partition: i % 2,
        value: `${i % 2}:${Math.floor(i / 2)}`,
      })),
    );
    const leaders = await k.waitForLeaders([{ name: topic, partitions: 2 }]);
    const victim = leaders.get(`${topic}/0`)!;
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k, uniqueGroup('leader'), {
        'fetch.message.max.bytes': 256,
        'refresh.leader.backoff.ms': 100,
        prefetchBytes: 2048,
      }),
    );
    const changes: number[] = [];
    c.on('leader-change', (e) => changes.push(e.partition));
    const got: string[] = [];
    let killed: Promise<void> | undefined;
    const deadline = Date.now() + 90_000;
    while (got.length < 2 * per && Date.now() < deadline) {
      const v = await c.read();
      if (v === undefined) break;
      got.push(v);
      if (got.length === 100) killed = k.killBroker(victim, { signal: 'SIGKILL' });
      // After the first third, more slowly produced data arrives while leadership moves.
      if (got.length === 150) await killed;
    }
    await c.close();
    expect(new Set(got).size).toBe(got.length);
    expect(got.length).toBe(2 * per);
    expect(changes).toContain(0);
    await k.restartBroker(victim);
  }, 150_000);
});
