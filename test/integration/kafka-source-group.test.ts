import { describe, expect, it } from 'vitest';
import { rangeAssign } from '../../src/consumers/group/assignors.js';
import { KafkaSource, type RebalanceEvent, SimpleStringSchema } from '../../src/index.js';
import { sharedCluster } from '../helpers/cluster.js';
import { kafkaSourceProps, readN, seedTopic, uniqueGroup, until, zkOffsetPath } from './consumers-helpers.js';

const k = () => sharedCluster('0.8.2.2');
const sourceProps = kafkaSourceProps;

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

    // The periodic committer (200 ms), checked while still open, once the application asks for
    // more (the 150th record is processed then, and only then committable).
    const waiting = s.read();
    expect(
      await until(
        'commits',
        () => offsets(group, topic, 3),
        (v) => v.every((x) => x === '50'),
      ),
    ).toEqual(['50', '50', '50']);
    await s.close();
    expect(await waiting).toBeUndefined();
    expect(await k().zkChildren(`/consumers/${group}/ids`)).toEqual([]);
    expect(await k().zkChildren(`/consumers/${group}/owners/${topic}`)).toEqual([]);
  });
});

type Batch = Awaited<ReturnType<KafkaSource<string>['nextBatch']>>;
/** A read `drain` gave up waiting for: the next drain (or `collect`) takes its records. */
const pendingReads = new WeakMap<KafkaSource<string>, Promise<Batch>>();

/**
 * Reads from several sources at once until `done` says so; every record is kept (duplicates
 * too). A read still pending at the end is kept for later, so no handed-out record goes missing.
 */
async function drain(
  sources: readonly KafkaSource<string>[],
  got: string[][],
  done: () => boolean,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  await Promise.all(
    sources.map(async (s, i) => {
      while (!done()) {
        if (Date.now() > deadline)
          throw new Error(
            `drain timed out: ${got.map((g) => g.length).join('/')} read, ${unique(got)} distinct; positions ${JSON.stringify(sources.map((x) => x.assignment().map((tp) => `${tp.partition}@${x.position(tp.topic, tp.partition)}`)))}`,
          );
        const pending = pendingReads.get(s) ?? s.nextBatch();
        pendingReads.set(s, pending);
        const b = await Promise.race([
          pending,
          new Promise<'idle'>((r) => setTimeout(() => r('idle'), 200).unref()),
        ]);
        if (b === 'idle') continue;
        pendingReads.delete(s);
        if (b === undefined) return;
        got[i]!.push(...b.records);
      }
    }),
  );
}

/** After close: the records of a read left pending (it resolves once the source closed). */
async function collect(s: KafkaSource<string>, into: string[]): Promise<void> {
  const b = await pendingReads.get(s);
  pendingReads.delete(s);
  if (b !== undefined) into.push(...b.records);
}

const unique = (lists: string[][]) => new Set(lists.flat()).size;
const total = (lists: string[][]) => lists.reduce((n, l) => n + l.length, 0);
const owners = async (group: string, topic: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, p) => k().zkGet(`/consumers/${group}/owners/${topic}/${p}`)));

describe('KafkaSource: two members in one group', () => {
  it('split 6 partitions 3/3 (range), hand over on close, deliver everything with no duplicate', async () => {
    const topic = await seedTopic(k(), 'ks-two', 6, 100);
    const group = uniqueGroup('ks-two');
    const a = new KafkaSource(topic, new SimpleStringSchema(), sourceProps(k(), group));
    const got: string[][] = [[], []];
    got[0]!.push(...(await readN(a, 150)));
    expect(a.assignment()).toHaveLength(6);

    const b = new KafkaSource(topic, new SimpleStringSchema(), sourceProps(k(), group));
    await b.start();
    await until(
      'a 3/3 split',
      async () => [a.assignment().length, b.assignment().length],
      (v) => v[0] === 3 && v[1] === 3,
    );
    // Range over the string-sorted thread ids: the first gets partitions 0-2.
    const members = new Map([a, b].map((s) => [s.consumerId, new Map([[topic, 1]])]));
    for (const s of [a, b]) {
      const expected = rangeAssign({
        consumerId: s.consumerId,
        mine: new Map([[topic, 1]]),
        members,
        partitions: new Map([[topic, [0, 1, 2, 3, 4, 5]]]),
      });
      expect(s.assignment()).toEqual(expected.map(({ topic: t, partition }) => ({ topic: t, partition })));
    }
    const own = await owners(group, topic, 6);
    const first = [a, b].map((s) => s.consumerId).sort()[0];
    expect(own).toEqual(
      [0, 1, 2, 3, 4, 5].map((p) => (p < 3 ? `${first}-0` : expect.not.stringContaining(`${first}-0`))),
    );

    await drain([a, b], got, () => unique(got) === 600);
    await k().produce(
      topic,
      Array.from({ length: 60 }, (_, i) => ({ partition: i % 6, value: `late:${i}` })),
    );
    await a.close();
    await collect(a, got[0]!);
    await until(
      'b owns all 6',
      async () => b.assignment().length,
      (n) => n === 6,
    );
    await drain([b], [got[1]!], () => unique(got) === 660);
    expect(unique(got)).toBe(660);
    // Every handover committed before releasing (auto commit), so nothing was uncommitted at
    // either handover and nothing may come twice.
    expect(total(got)).toBe(660);
    await b.close();
    await collect(b, got[1]!);
    expect(total(got)).toBe(660);
    expect(await offsets(group, topic, 6)).toEqual(Array(6).fill('110'));
  });

  it('with auto commit off, duplicates are exactly the records handed out after the last commit', async () => {
    const topic = await seedTopic(k(), 'ks-nocommit', 6, 100);
    const group = uniqueGroup('ks-nocommit');
    const p = sourceProps(k(), group, { 'auto.commit.enable': 'false' });
    const a = new KafkaSource(topic, new SimpleStringSchema(), p);
    const got: string[][] = [[], []];
    got[0]!.push(...(await readN(a, 200)));
    expect(await a.commitOffsets()).toBe(true);
    got[0]!.push(...(await readN(a, 100)));
    // What a handed out beyond its commit, per partition.
    const committed = await offsets(group, topic, 6);
    const uncommitted = [0, 1, 2, 3, 4, 5].map((q) => {
      const pos = a.position(topic, q);
      return typeof pos === 'bigint' ? Number(pos) - Number(committed[q] ?? 0) : 0;
    });
    expect(uncommitted.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);

    const b = new KafkaSource(topic, new SimpleStringSchema(), p);
    await b.start();
    await until(
      'a 3/3 split',
      async () => [a.assignment().length, b.assignment().length],
      (v) => v[0] === 3 && v[1] === 3,
    );
    const moved = b.assignment().map((tp) => tp.partition);
    await drain([a, b], got, () => unique(got) === 600);
    await a.close();
    await b.close();
    await collect(a, got[0]!);
    await collect(b, got[1]!);
    expect(unique(got)).toBe(600);
    // b restarted its partitions at the last commit; a kept its own going from memory.
    expect(total(got) - 600).toBe(moved.reduce((n, q) => n + (uncommitted[q] ?? 0), 0));
  });
});

describe('KafkaSource: stopping', () => {
  it('close() ends a pending read and leaves no ZooKeeper or broker socket, nor timer; an AbortSignal leaves the group too', async () => {
    const topic = await seedTopic(k(), 'ks-stop', 2, 0);
    const group = uniqueGroup('ks-stop');
    const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const before = { tcp: count('TCPSocketWrap'), timers: count('Timeout') };
    const s = new KafkaSource(topic, new SimpleStringSchema(), sourceProps(k(), group));
    const pending = s.read();
    await until(
      'registered',
      () => k().zkChildren(`/consumers/${group}/ids`),
      (ids) => ids.length === 1,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(count('TCPSocketWrap')).toBeGreaterThan(before.tcp);
    await s.close();
    expect(await pending).toBeUndefined();
    for (let i = 0; i < 20 && count('TCPSocketWrap') > before.tcp; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(count('TCPSocketWrap')).toBe(before.tcp);
    expect(count('Timeout')).toBeLessThanOrEqual(before.timers);
    expect(await k().zkChildren(`/consumers/${group}/ids`)).toEqual([]);

    const ac = new AbortController();
    const d = new KafkaSource(topic, new SimpleStringSchema(), {
      ...sourceProps(k(), group),
      signal: ac.signal,
    });
    const loop = (async () => {
      const out: string[] = [];
      for await (const v of d) out.push(v);
      return out;
    })();
    await until(
      'registered again',
      () => k().zkChildren(`/consumers/${group}/ids`),
      (ids) => ids.length === 1,
    );
    ac.abort();
    expect(await loop).toEqual([]);
    expect(await k().zkChildren(`/consumers/${group}/ids`)).toEqual([]);
    expect(await k().zkChildren(`/consumers/${group}/owners/${topic}`)).toEqual([]);
  });
});
