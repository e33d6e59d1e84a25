import { describe, expect, it } from 'vitest';
import { KafkaSource, type RebalanceEvent, SimpleStringSchema } from '../../src/index.js';
import type { LocalKafka } from '../../src/rig/index.js';
import { sharedCluster } from '../helpers/cluster.js';
import { readN, seedTopic, uniqueGroup, zkOffsetPath } from './consumers-helpers.js';

const k = () => sharedCluster('0.8.2.2');

/** Short timings so rebalances and commits happen within the test's time. */
function sourceProps(cluster: LocalKafka, group: string, extra: Record<string, string | number> = {}) {
  return {
    'zookeeper.connect': cluster.zookeeper,
    'group.id': group,
    'auto.offset.reset': 'smallest',
    'auto.commit.interval.ms': 200,
    'rebalance.backoff.ms': 300,
    'rebalance.max.retries': 10,
    'zookeeper.session.timeout.ms': 4000,
    'fetch.wait.max.ms': 50,
    'socket.timeout.ms': 10_000,
    ...extra,
  };
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const offsets = (group: string, topic: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, p) => k().zkGet(zkOffsetPath(group, topic, p))));

describe('KafkaSource: one member', () => {
  it('registers, owns every partition, reads everything, auto-commits next offsets, and leaves cleanly', async () => {
    const topic = await seedTopic(k(), 'ks-one', 3, 50);
    const group = uniqueGroup('ks-one');
    // No bootstrap.servers: brokers come from /brokers/ids, like Kafka's own consumer.
    const s = new KafkaSource(topic, new SimpleStringSchema(), sourceProps(k(), group));
    const events: RebalanceEvent[] = [];
    s.on('rebalance', (e) => events.push(e));
    const got = await readN(s, 150);
    expect(new Set(got).size).toBe(150);
    expect(s.assignment()).toEqual([0, 1, 2].map((partition) => ({ topic, partition })));
    expect(events.at(-1)?.assigned).toHaveLength(3);

    const ids = await k().zkChildren(`/consumers/${group}/ids`);
    expect(ids).toEqual([s.consumerId]);
    expect(s.consumerId).toMatch(new RegExp(`^${group}_.+-\\d{13}-[0-9a-f]{1,8}$`));
    const reg = JSON.parse((await k().zkGet(`/consumers/${group}/ids/${s.consumerId}`)) ?? 'null');
    expect(reg).toMatchObject({ version: 1, subscription: { [topic]: 1 }, pattern: 'static' });
    expect(reg.timestamp).toMatch(/^\d{13}$/);
    for (let p = 0; p < 3; p++)
      expect(await k().zkGet(`/consumers/${group}/owners/${topic}/${p}`)).toBe(`${s.consumerId}-0`);

    // The periodic committer (200 ms), checked while still open.
    expect(
      await until(
        'commits',
        () => offsets(group, topic, 3),
        (v) => v.every((x) => x === '50'),
      ),
    ).toEqual(['50', '50', '50']);
    await s.close();
    expect(await k().zkChildren(`/consumers/${group}/ids`)).toEqual([]);
    expect(await k().zkChildren(`/consumers/${group}/owners/${topic}`)).toEqual([]);
  });
});
