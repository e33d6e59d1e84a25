import { describe, expect, it } from 'vitest';
import {
  ConsumerConfigError,
  FlinkKafkaConsumer081,
  FlinkKafkaConsumer082,
  type KafkaRecord,
  KafkaRecordSchema,
  MessageTooLargeError,
  NoPartitionsError,
  PersistentKafkaSource,
  RawBytesSchema,
  SimpleStringSchema,
  StringKeyValueSchema,
} from '../../src/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { props, readN, seedTopic, uniqueGroup, zkOffsetPath } from './consumers-helpers.js';

const k = () => sharedCluster('0.8.2.2');

describe('records (Flink runKeyValueTest, runConsumeMultipleTopics, runEndOfStreamTest)', () => {
  it('keys and values with every second key null, in order', async () => {
    const topic = uniqueTopic('kv');
    await k().createTopic({ name: topic, partitions: 1 });
    const records = Array.from({ length: 500 }, (_, i) => ({
      key: i % 2 === 0 ? null : `k${i}`,
      value: `v${i}`,
    }));
    await k().produce(topic, records);
    const c = new FlinkKafkaConsumer082(topic, new StringKeyValueSchema(), props(k(), uniqueGroup('kv')));
    const got = await readN(c, 500);
    await c.close();
    expect(got.map((r) => [r.key, r.value])).toEqual(records.map((r) => [r.key, r.value]));
    expect(got.map((r) => r.offset)).toEqual(records.map((_, i) => BigInt(i)));
  });

  it('five topics with 1..5 partitions, topic name passed to a keyed schema', async () => {
    const topics: string[] = [];
    for (let n = 1; n <= 5; n++) {
      const t = uniqueTopic(`multi${n}`);
      await k().createTopic({ name: t, partitions: n });
      await k().produce(
        t,
        Array.from({ length: 20 }, (_, i) => ({ partition: i % n, value: `${i}` })),
      );
      topics.push(t);
    }
    const c = new FlinkKafkaConsumer082<KafkaRecord>(
      topics,
      new KafkaRecordSchema(),
      props(k(), uniqueGroup('multi')),
    );
    await c.start();
    expect(c.assignment().length).toBe(15);
    const got = await readN(c, 100);
    await c.close();
    for (const t of topics) expect(got.filter((r) => r.topic === t).length).toBe(20);
  });

  it('end of stream on one of several partitions stops only that partition', async () => {
    const topic = uniqueTopic('eos');
    await k().createTopic({ name: topic, partitions: 2 });
    await k().produce(topic, [
      { partition: 0, value: 'a0' },
      { partition: 0, value: 'END' },
      { partition: 0, value: 'after-end' },
      { partition: 1, value: 'b0' },
      { partition: 1, value: 'b1' },
    ]);
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema({ endMarker: 'END' }),
      props(k(), uniqueGroup('eos')),
    );
    const ended: number[] = [];
    c.on('partition-end', (e) => ended.push(e.partition));
    const got = await readN(c, 3);
    expect(got.sort()).toEqual(['a0', 'b0', 'b1']);
    expect(ended).toEqual([0]);
    // The end marker is not consumed: a snapshot stops in front of it.
    expect(c.position(topic, 0)).toBe(1n);
    await k().produce(topic, [{ partition: 1, value: 'END' }]);
    expect(await c.read()).toBeUndefined();
    expect(ended).toEqual([0, 1]);
    await c.close();
  });
});

describe('stopping (Flink runCancelingOnEmptyInputTest / runCancelingOnFullInputTest)', () => {
  it('close() ends a read waiting on an empty topic, and an AbortSignal does the same', async () => {
    const topic = await seedTopic(k(), 'cancel-empty', 3, 0);
    const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const before = { tcp: count('TCPSocketWrap'), timers: count('Timeout') };
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), uniqueGroup('ce'), { 'auto.commit.interval.ms': 100 }),
    );
    const pending = c.read();
    await new Promise((r) => setTimeout(r, 500));
    expect(count('TCPSocketWrap')).toBeGreaterThan(before.tcp);
    await c.close();
    expect(await pending).toBeUndefined();
    // Node frees a destroyed socket's handle a tick after close() resolves: allow up to 1 s.
    for (let i = 0; i < 20 && count('TCPSocketWrap') > before.tcp; i++)
      await new Promise((r) => setTimeout(r, 50));
    // No socket or timer of the consumer survives close().
    expect(count('TCPSocketWrap')).toBe(before.tcp);
    expect(count('Timeout')).toBeLessThanOrEqual(before.timers);

    const ac = new AbortController();
    const d = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), uniqueGroup('ce2'), { signal: ac.signal }),
    );
    const out: string[] = [];
    const loop = (async () => {
      for await (const v of d) out.push(v);
    })();
    await new Promise((r) => setTimeout(r, 500));
    ac.abort();
    await loop;
    expect(out).toEqual([]);
  });

  it('close() mid-stream while a producer keeps writing', async () => {
    const topic = await seedTopic(k(), 'cancel-full', 2, 0);
    let producing = true;
    const producer = (async () => {
      let n = 0;
      while (producing)
        await k().produce(
          topic,
          Array.from({ length: 50 }, () => ({ partition: n++ % 2, value: `x${n}` })),
        );
    })();
    const c = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k(), uniqueGroup('cf')));
    let count = 0;
    const loop = (async () => {
      for await (const _ of c) count++;
    })();
    while (count < 100) await new Promise((r) => setTimeout(r, 50));
    await c.close();
    await loop;
    producing = false;
    await producer;
    expect(count).toBeGreaterThanOrEqual(100);
  });
});

describe('surfaces', () => {
  it('Readable in object mode with backpressure, and the batch API', async () => {
    const topic = await seedTopic(k(), 'surfaces', 2, 50);
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), uniqueGroup('rs'), { checkpointing: true }),
    );
    const stream = c.stream({ highWaterMark: 2 });
    const got: string[] = [];
    for await (const v of stream) {
      got.push(v as string);
      if (got.length === 10) {
        // Backpressure: with nothing consumed for a while, at most highWaterMark more were pulled.
        await new Promise((r) => setTimeout(r, 300));
        const s = c.snapshotState(1);
        const consumed = s.offsets.reduce((n, o) => n + Number(o.offset), 0);
        expect(consumed).toBeLessThanOrEqual(10 + 2 + 1);
      }
      if (got.length === 100) break;
    }
    expect(new Set(got).size).toBe(100);

    const d = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k(), uniqueGroup('batch')));
    let n = 0;
    while (n < 100) {
      const b = await d.nextBatch();
      if (b === undefined) break;
      n += b.records.length;
      expect(d.position(b.topic, b.partition)).toBe(b.nextOffset);
    }
    expect(n).toBe(100);
    await d.close();
  });
});

describe('sizes', () => {
  it('a message larger than the fetch size fails clearly, or grows up to the ceiling (Flink stalled)', async () => {
    const topic = uniqueTopic('toolarge');
    await k().createTopic({ name: topic, partitions: 1 });
    await k().produce(topic, [{ value: 'small' }, { value: Buffer.alloc(20_000, 1) }, { value: 'tail' }]);
    const c = new FlinkKafkaConsumer082(
      topic,
      new RawBytesSchema(),
      props(k(), uniqueGroup('tl'), { 'fetch.message.max.bytes': 4096 }),
    );
    expect((await c.read())?.toString()).toBe('small');
    const err = await c.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MessageTooLargeError);
    expect((err as MessageTooLargeError).offset).toBe(1n);
    expect(c.position(topic, 0)).toBe(1n);
    await c.close();

    const d = new FlinkKafkaConsumer082(
      topic,
      new RawBytesSchema(),
      props(k(), uniqueGroup('tl2'), {
        'fetch.message.max.bytes': 4096,
        'fetch.message.max.bytes.ceiling': 65536,
      }),
    );
    const got = await readN(d, 3);
    expect(got.map((b) => b.length)).toEqual([5, 20_000, 4]);
    await d.close();
  });

  it('big records of 15-30 MB plus an end marker (Flink runBigRecordTestTopology)', async () => {
    const topic = uniqueTopic('big');
    await k().createTopic({ name: topic, partitions: 1 });
    const sizes = [15, 22, 30].map((mb) => mb * 1024 * 1024);
    for (const [i, size] of sizes.entries()) await k().produce(topic, [{ value: Buffer.alloc(size, i + 1) }]);
    await k().produce(topic, [{ value: 'END' }]);
    const schema = {
      deserialize: (v: Buffer | null) => (v === null ? null : v.length === 3 ? 'END' : v.length),
      isEndOfStream: (x: string | number) => x === 'END',
    };
    const c = new FlinkKafkaConsumer082<string | number>(
      topic,
      schema,
      props(k(), uniqueGroup('big'), {
        'fetch.message.max.bytes': 40 * 1024 * 1024,
        prefetchBytes: 48 * 1024 * 1024,
      }),
    );
    const got: (string | number)[] = [];
    for await (const v of c) got.push(v);
    expect(got).toEqual(sizes);
    await c.close();
  }, 180_000);
});

describe('construction and discovery errors', () => {
  it('bad configuration names the key (Flink testValidateZooKeeperConfig)', () => {
    const s = new SimpleStringSchema();
    const base = props(k(), 'g');
    const keyOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (e instanceof ConsumerConfigError) return e.key;
        throw e;
      }
      return undefined;
    };
    expect(keyOf(() => new FlinkKafkaConsumer082('t', s, { ...base, 'zookeeper.connect': undefined }))).toBe(
      'zookeeper.connect',
    );
    expect(keyOf(() => new FlinkKafkaConsumer082('t', s, { ...base, 'group.id': undefined }))).toBe(
      'group.id',
    );
    expect(keyOf(() => new FlinkKafkaConsumer082('t', s, { ...base, 'fetch.wait.max.ms': 'soon' }))).toBe(
      'fetch.wait.max.ms',
    );
    expect(keyOf(() => new FlinkKafkaConsumer081('t', s, { ...base, 'offsets.storage': 'kafka' }))).toBe(
      'offsets.storage',
    );
    expect(keyOf(() => new PersistentKafkaSource('t', s, { ...base, 'auto.commit.enable': 'true' }))).toBe(
      'auto.commit.enable',
    );
  });

  it('no reachable broker fails with "Unable to retrieve any partitions" (Flink runFailOnNoBrokerTest)', async () => {
    const c = new FlinkKafkaConsumer082('doesntexist', new SimpleStringSchema(), {
      'bootstrap.servers': '127.0.0.1:1',
      'zookeeper.connect': '127.0.0.1:1',
      'group.id': 'g',
      'flink.get-partitions.retry': 1,
    });
    const err = await c.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NoPartitionsError);
    expect((err as Error).message).toContain(
      'Unable to retrieve any partitions for the requested topics [doesntexist]',
    );
    await c.close();
  });
});

describe('FlinkKafkaConsumer081 on a 0.8.1 broker, PersistentKafkaSource', () => {
  it('081 reads, checkpoints and commits to ZooKeeper on a 0.8.1.1 broker', async () => {
    const k081 = sharedCluster('0.8.1.1');
    const topic = await seedTopic(k081, 'c081', 2, 25);
    const group = uniqueGroup('c081');
    const c = new FlinkKafkaConsumer081(
      topic,
      new SimpleStringSchema(),
      props(k081, group, { checkpointing: true }),
    );
    expect((await readN(c, 50)).length).toBe(50);
    c.snapshotState(1);
    expect(await c.notifyCheckpointComplete(1)).toBe(true);
    await c.close();
    expect(await k081.zkGet(zkOffsetPath(group, topic, 0))).toBe('25');
    expect(await k081.zkGet(zkOffsetPath(group, topic, 1))).toBe('25');
  });

  it('PersistentKafkaSource commits on checkpoint completion only', async () => {
    const topic = await seedTopic(k(), 'persistent', 1, 30);
    const group = uniqueGroup('pks');
    const c = new PersistentKafkaSource(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { 'auto.commit.interval.ms': 50 }),
    );
    await readN(c, 10);
    const first = c.snapshotState(1);
    await readN(c, 10);
    c.snapshotState(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBeNull();
    expect(first.offsets[0]?.offset).toBe('10');
    await c.notifyCheckpointComplete(1);
    expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBe('10');
    expect(c.pendingCheckpoints()).toEqual([2]);
    await c.close();
    // Closing does not commit beyond the last completed checkpoint.
    expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBe('10');
  });
});

it('close() during start() leaves nothing running', async () => {
  const topic = await seedTopic(k(), 'close-start', 2, 5);
  const count = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const before = count();
  const c = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k(), uniqueGroup('cs')));
  const started = c.start().catch((e: unknown) => e);
  await c.close();
  await started;
  expect(await c.read().catch(() => undefined)).toBeUndefined();
  for (let i = 0; i < 20 && count() > before; i++) await new Promise((r) => setTimeout(r, 50));
  expect(count()).toBe(before);
});
