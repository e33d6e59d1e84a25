import { describe, expect, it } from 'vitest';
import { roundRobinAssign } from '../../src/consumers/group/assignors.js';
import { KafkaSource, type RebalanceEvent, SimpleStringSchema } from '../../src/index.js';
import { sharedCluster } from '../helpers/cluster.js';
import { kafkaSourceProps, readN, seedTopic, uniqueGroup, until } from './consumers-helpers.js';

const k = () => sharedCluster('0.8.2.2');
const sourceProps = kafkaSourceProps;

describe('KafkaSource group changes', () => {
  it('roundrobin over two topics with two members: as predicted, disjoint, complete', async () => {
    const t1 = await seedTopic(k(), 'ks-rr-a', 3, 0);
    const t2 = await seedTopic(k(), 'ks-rr-b', 4, 0);
    for (const [t, n] of [
      [t1, 3],
      [t2, 4],
    ] as const)
      await k().produce(
        t,
        Array.from({ length: n * 20 }, (_, i) => ({ partition: i % n, value: `${t}:${i}` })),
      );
    const group = uniqueGroup('ks-rr');
    const p = sourceProps(k(), group, { 'partition.assignment.strategy': 'roundrobin' });
    const a = new KafkaSource([t1, t2], new SimpleStringSchema(), p);
    const b = new KafkaSource([t1, t2], new SimpleStringSchema(), p);
    await Promise.all([a.start(), b.start()]);
    const members = new Map(
      [a, b].map((s) => [
        s.consumerId,
        new Map([
          [t1, 1],
          [t2, 1],
        ]),
      ]),
    );
    const partitions = new Map([
      [t1, [0, 1, 2]],
      [t2, [0, 1, 2, 3]],
    ]);
    const expected = (s: KafkaSource<string>) =>
      roundRobinAssign({
        consumerId: s.consumerId,
        mine: new Map([
          [t1, 1],
          [t2, 1],
        ]),
        members,
        partitions,
      }).map(({ topic, partition }) => ({ topic, partition }));
    await until(
      'both settled',
      async () => [a.assignment(), b.assignment()],
      ([x, y]) =>
        JSON.stringify(x) === JSON.stringify(expected(a)) &&
        JSON.stringify(y) === JSON.stringify(expected(b)),
    );
    // 7 partitions dealt over 2 threads: 4 and 3, no partition twice.
    expect([a.assignment().length, b.assignment().length].sort()).toEqual([3, 4]);
    const key = (tp: { topic: string; partition: number }) => `${tp.topic}/${tp.partition}`;
    expect(new Set([...a.assignment(), ...b.assignment()].map(key)).size).toBe(7);
    for (const s of [a, b])
      for (const tp of s.assignment())
        expect(await k().zkGet(`/consumers/${group}/owners/${tp.topic}/${tp.partition}`)).toBe(
          `${s.consumerId}-0`,
        );
    const got = [
      ...(await readN(a, a.assignment().length * 20)),
      ...(await readN(b, b.assignment().length * 20)),
    ];
    expect(new Set(got).size).toBe(140);
    await Promise.all([a.close(), b.close()]);
  });

  it('partitions added to a topic (its /brokers/topics data changes) trigger a rebalance onto them', async () => {
    const topic = await seedTopic(k(), 'ks-grow', 2, 10);
    const group = uniqueGroup('ks-grow');
    const s = new KafkaSource(topic, new SimpleStringSchema(), sourceProps(k(), group));
    const events: RebalanceEvent[] = [];
    s.on('rebalance', (e) => events.push(e));
    expect(new Set(await readN(s, 20)).size).toBe(20);
    expect(s.assignment()).toHaveLength(2);

    // What kafka-topics --alter --partitions does: rewrite the topic's replica assignment.
    const path = `/brokers/topics/${topic}`;
    const before = JSON.parse((await k().zkGet(path)) ?? '{}') as { partitions: Record<string, number[]> };
    const replicas = before.partitions['0'];
    await k().zkSet(
      path,
      JSON.stringify({ version: 1, partitions: { ...before.partitions, 2: replicas, 3: replicas } }),
    );
    await until(
      '4 partitions owned',
      async () => s.assignment().length,
      (n) => n === 4,
    );
    expect(events.at(-1)?.assigned).toHaveLength(4);
    expect(events.at(-1)?.revoked).toEqual([]);

    await k().waitForLeaders([{ name: topic, partitions: 4 }]);
    await k().produce(
      topic,
      Array.from({ length: 8 }, (_, i) => ({ partition: i % 4, value: `grown:${i % 4}:${i}` })),
    );
    const more = await readN(s, 8);
    // Kept partitions continued where they were: nothing of the first 20 again.
    expect(more.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `grown:${i % 4}:${i}`).sort());
    await s.close();
    expect(await k().zkGet(`/consumers/${group}/offsets/${topic}/3`)).toBe('2');
  });
});

describe('KafkaSource under churn', () => {
  it('members joining and leaving while records arrive: every record once (commit before release), none lost', async () => {
    const topic = await seedTopic(k(), 'ks-churn', 6, 0);
    const group = uniqueGroup('ks-churn');
    const props = sourceProps(k(), group);
    const got: string[] = [];
    let stop = false;
    const readAll = async (s: KafkaSource<string>) => {
      for (;;) {
        const b = await s.nextBatch();
        if (b === undefined) return;
        got.push(...b.records);
        if (stop && got.length >= 1200) return;
      }
    };
    const a = new KafkaSource(topic, new SimpleStringSchema(), props);
    const aLoop = readAll(a);
    const produced = (async () => {
      for (let round = 0; round < 6; round++) {
        await k().produce(
          topic,
          Array.from({ length: 200 }, (_, i) => ({ partition: i % 6, value: `${round}:${i}` })),
        );
      }
    })();
    for (let i = 0; i < 2; i++) {
      const b = new KafkaSource(topic, new SimpleStringSchema(), props);
      const bLoop = readAll(b);
      await until(
        'b has a share',
        async () => b.assignment().length,
        (n) => n === 3,
      );
      await new Promise((r) => setTimeout(r, 300));
      await b.close();
      await bLoop;
      await until(
        'a has all again',
        async () => a.assignment().length,
        (n) => n === 6,
      );
    }
    await produced;
    stop = true;
    await until(
      'all read',
      async () => got.length,
      (n) => n >= 1200,
      30_000,
    );
    await a.close();
    await aLoop;
    expect(new Set(got).size).toBe(1200);
    expect(got).toHaveLength(1200);
  });
});
