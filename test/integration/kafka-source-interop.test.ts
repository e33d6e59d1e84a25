import { describe, expect, it } from 'vitest';
import {
  type AssignmentStrategy,
  rangeAssign,
  roundRobinAssign,
} from '../../src/consumers/group/assignors.js';
import { ConsumerRebalanceFailedError, KafkaSource, SimpleStringSchema } from '../../src/index.js';
import type { LocalKafka } from '../../src/rig/index.js';
import { NodeExistsError } from '../../src/zookeeper/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { startJavaGroupMember } from '../jvm/consumers/group-member.js';
import { kafkaSourceProps, readN, seedTopic, uniqueGroup, until } from './consumers-helpers.js';

const k = () => sharedCluster('0.8.2.2');

const sourceProps = (cluster: LocalKafka, group: string, extra: Record<string, string | number> = {}) =>
  kafkaSourceProps(cluster, group, { 'rebalance.max.retries': 30, ...extra });

const owners = (group: string, topic: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, p) => k().zkGet(`/consumers/${group}/owners/${topic}/${p}`)));

/** The owner thread id of each partition that `strategy` gives two single-stream members. */
function predicted(strategy: AssignmentStrategy, topic: string, ids: string[], n: number): string[] {
  const members = new Map(ids.map((id) => [id, new Map([[topic, 1]])]));
  const out: string[] = Array(n).fill('');
  for (const id of ids) {
    const f = strategy === 'range' ? rangeAssign : roundRobinAssign;
    for (const o of f({
      consumerId: id,
      mine: new Map([[topic, 1]]),
      members,
      partitions: new Map([[topic, Array.from({ length: n }, (_, i) => i)]]),
    }))
      out[o.partition] = o.threadId;
  }
  return out;
}

describe.each(['range', 'roundrobin'] as const)(
  'KafkaSource and Kafka’s own high-level consumer (%s)',
  (strategy) => {
    it('share a group: disjoint owners as Java computes them, together they read everything', async () => {
      const topic = await seedTopic(k(), `ks-java-${strategy}`, 6, 0);
      const group = uniqueGroup(`ks-java-${strategy}`);
      // "m-..." ids on both sides so both string orders (Java first or us first) are exercised.
      const java = await startJavaGroupMember('0.8.2.2', {
        zookeeper: k().zookeeper,
        group,
        topic,
        consumerId: strategy === 'range' ? 'm-java' : 'z-java',
        idleMs: 6000,
        strategy,
      });
      try {
        await java.ready;
        const s = new KafkaSource(
          topic,
          new SimpleStringSchema(),
          sourceProps(k(), group, { 'consumer.id': 'm-ts', 'partition.assignment.strategy': strategy }),
        );
        await s.start();
        const expected = predicted(strategy, topic, [java.consumerId, s.consumerId], 6);
        // Both sides settled on the same answer: every owner znode holds the predicted thread.
        await until(
          'owners as predicted',
          () => owners(group, topic, 6),
          (o) => o.every((x, i) => x === expected[i]),
        );
        expect(new Set(expected).size).toBe(2);
        expect(s.assignment().map((tp) => tp.partition)).toEqual(
          expected.flatMap((t, p) => (t === `${s.consumerId}-0` ? [p] : [])),
        );

        const records = Array.from({ length: 600 }, (_, i) => ({ partition: i % 6, value: `${i % 6}:${i}` }));
        await k().produce(topic, records);
        const mine = s.assignment().length * 100;
        const ours = await readN(s, mine);
        await until(
          'java read its share',
          async () => java.records.length,
          (n) => n >= 600 - mine,
        );
        const all = [...ours, ...java.records.map((r) => r.value)];
        expect(new Set(all).size).toBe(600);
        expect(all).toHaveLength(600);
        for (const v of ours) expect(expected[Number(v.split(':')[0])]).toBe(`${s.consumerId}-0`);
        await s.close();
        expect(await java.exited).toBe(0);
        // Both committed their share in Kafka's convention.
        for (let p = 0; p < 6; p++)
          expect(await k().zkGet(`/consumers/${group}/offsets/${topic}/${p}`)).toBe('100');
      } finally {
        java.kill();
      }
    });
  },
);

describe('KafkaSource after a crash (restart before the old session expired)', () => {
  it('retries past the stale owner znodes (kafka-node NODE_EXISTS) and ends up owning and reading everything', async () => {
    const topic = await seedTopic(k(), 'ks-stale', 4, 50);
    const group = uniqueGroup('ks-stale');
    const java = await startJavaGroupMember('0.8.2.2', {
      zookeeper: k().zookeeper,
      group,
      topic,
      consumerId: 'crashed',
      idleMs: 60_000,
    });
    await java.ready;
    await until(
      'java reads',
      async () => java.records.length,
      (n) => n >= 200,
    );
    java.kill();
    await java.exited;
    // The dead member's registration and owners stay until its 4 s session expires.
    expect(await k().zkChildren(`/consumers/${group}/ids`)).toEqual([java.consumerId]);

    const s = new KafkaSource(topic, new SimpleStringSchema(), sourceProps(k(), group));
    const failed: Error[] = [];
    const conflicts: string[] = [];
    s.on('rebalance-failed', (e) => failed.push(e));
    s.on('retriable-error', (e) => {
      if (e.error instanceof NodeExistsError) conflicts.push(e.error.path ?? '');
    });
    await s.start();
    // The stale owners did refuse some claims (what kafka-node reported as NODE_EXISTS)...
    expect(conflicts.length).toBeGreaterThan(0);
    expect(conflicts[0]).toMatch(new RegExp(`^/consumers/${group}/owners/${topic}/\\d$`));
    // ...and the retries outlasted the dead session instead of failing.
    await until(
      'all 4 owned',
      async () => s.assignment().length,
      (n) => n === 4,
    );
    expect(await owners(group, topic, 4)).toEqual(Array(4).fill(`${s.consumerId}-0`));
    expect(await k().zkChildren(`/consumers/${group}/ids`)).toEqual([s.consumerId]);
    expect(failed).toEqual([]);
    await k().produce(
      topic,
      Array.from({ length: 40 }, (_, i) => ({ partition: i % 4, value: `new:${i}` })),
    );
    // Java auto-committed every 200 ms before the crash: what follows its last commit may
    // come again (at-least-once), but everything new arrives.
    const got = new Set<string>();
    const deadline = Date.now() + 20_000;
    let pending: Promise<string | undefined> | undefined;
    while ([...got].filter((v) => v.startsWith('new:')).length < 40) {
      if (Date.now() > deadline) throw new Error(`only ${[...got].join(',')} within 20 s`);
      pending ??= s.read();
      const r = await Promise.race([
        pending,
        new Promise<'idle'>((res) => setTimeout(() => res('idle'), 500)),
      ]);
      if (r === 'idle') continue;
      pending = undefined;
      if (r !== undefined) got.add(r);
    }
    await s.close();
  });

  it('gives up with ConsumerRebalanceFailedError when the retries end before the stale session does', async () => {
    const topic = uniqueTopic('ks-stale-fail');
    await k().createTopic({ name: topic, partitions: 2 });
    const group = uniqueGroup('ks-stale-fail');
    const java = await startJavaGroupMember('0.8.2.2', {
      zookeeper: k().zookeeper,
      group,
      topic,
      consumerId: 'crashed',
      idleMs: 60_000,
    });
    await java.ready;
    await until(
      'java owns both',
      () => owners(group, topic, 2),
      (o) => o.every((x) => x !== null),
    );
    java.kill();
    await java.exited;
    const s = new KafkaSource(
      topic,
      new SimpleStringSchema(),
      sourceProps(k(), group, { 'rebalance.max.retries': 2, 'rebalance.backoff.ms': 100 }),
    );
    const err = await s.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConsumerRebalanceFailedError);
    expect((err as ConsumerRebalanceFailedError).attempts).toBe(2);
    // It left again: no owner of ours, no registration, nothing owned-but-unread.
    expect(await k().zkChildren(`/consumers/${group}/ids`)).toEqual([java.consumerId]);
    expect((await owners(group, topic, 2)).every((o) => o === 'g' || !o?.startsWith(s.consumerId))).toBe(
      true,
    );
  });
});
