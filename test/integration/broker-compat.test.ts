/**
 * The conformance subset every supported broker version must pass with a 0.8 client. `npm test`
 * checks 0.8.1.1, 0.8.2.2 and the newest 3.9; `npm run test:compat` runs every version (one
 * vitest run per version, KAFKA08_COMPAT_VERSIONS) and records the results for the README table.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FlinkKafkaConsumer081,
  FlinkKafkaConsumer082,
  KafkaSource,
  Producer,
  SimpleStringSchema,
} from '../../src/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { MessageToEncode } from '../../src/protocol/index.js';
import {
  isKafkaVersion,
  KAFKA_VERSIONS,
  type KafkaVersion,
  NEWEST_KAFKA_VERSION,
  supportedCompressions,
  v0ReadableCompressions,
  versionProfile,
} from '../../src/rig/versions.js';
import { PartitionUnreadableError } from '../../src/simple-consumer/fetch-engine/index.js';
import { CompatCluster, produceKafka08, readWithEngine, simpleConsumer } from '../compat/client.js';
import { recordCheck, startVersion } from '../compat/results.js';
import { cli } from '../helpers/cli.js';
import { uniqueTopic } from '../helpers/cluster.js';
import { kafkaSourceProps, props, readN, uniqueGroup, until, zkOffsetPath } from './consumers-helpers.js';

function versionsToCheck(): KafkaVersion[] {
  const env = process.env.KAFKA08_COMPAT_VERSIONS;
  if (env === undefined) return ['0.8.1.1', '0.8.2.2', NEWEST_KAFKA_VERSION];
  const listed = env === 'all' ? [...KAFKA_VERSIONS] : env.split(',').filter((v) => v !== '');
  for (const v of listed)
    if (!isKafkaVersion(v))
      throw new Error(`KAFKA08_COMPAT_VERSIONS: unknown version ${v} (${KAFKA_VERSIONS.join(', ')})`);
  return listed as KafkaVersion[];
}

const b = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8'));
const KAFKA08_BATCHES: MessageToEncode[][] = [
  [
    { key: b('k0'), value: b('v0') },
    { key: null, value: b('no key') },
    { key: b('tombstone'), value: null },
    { key: b(''), value: b('') },
  ],
  [{ key: b('k4'), value: b('grüße ✓') }],
];
const JAVA_RECORDS = [
  { key: 'k0', value: 'java v0' },
  { key: null, value: 'no key' },
  { key: 'tombstone', value: null },
  { key: 'unicode', value: 'grüße ✓' },
  { key: 'big', value: 'x'.repeat(20_000) },
];

describe.each(versionsToCheck())('Kafka %s serves a 0.8 client', (version) => {
  const cluster = new CompatCluster(version);
  const profile = versionProfile(version);
  const k = () => cluster.k;

  beforeAll(async () => {
    await cluster.start();
    startVersion(version, cluster.startMs);
  }, 300_000);
  afterAll(() => cluster.stop());

  /** A test whose outcome (and note) goes into the compatibility results. */
  function check(id: string, body: () => Promise<string | undefined>, timeoutMs = 120_000): void {
    it(
      id,
      async () => {
        const t0 = Date.now();
        try {
          const note = await body();
          recordCheck(version, id, { status: 'pass', note, ms: Date.now() - t0 });
        } catch (e) {
          const first = (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 200);
          recordCheck(version, id, { status: 'fail', note: first, ms: Date.now() - t0 });
          throw e;
        }
      },
      timeoutMs,
    );
  }

  check('metadata', async () => {
    const topic = uniqueTopic('compat-meta');
    await k().createTopic({ name: topic, partitions: 2 });
    const c = simpleConsumer(k());
    try {
      const resp = await c.send([topic]);
      const [broker] = k().brokerList;
      expect(resp.brokers).toEqual([{ nodeId: broker?.id, host: '127.0.0.1', port: broker?.port }]);
      const t = resp.topics.find((x) => x.topic === topic);
      expect(t?.errorCode).toBe(0);
      expect(t?.partitions.map((p) => [p.partition, p.leader]).sort()).toEqual([
        [0, 0],
        [1, 0],
      ]);
    } finally {
      await c.close();
    }
    return undefined;
  });

  check('offsets', async () => {
    const topic = uniqueTopic('compat-offsets');
    await k().createTopic({ name: topic, partitions: 1 });
    await k().produce(topic, JAVA_RECORDS);
    const c = simpleConsumer(k());
    try {
      expect(await c.earliestOffset(topic, 0)).toBe(0n);
      expect(await c.latestOffset(topic, 0)).toBe(5n);
      // One segment: the log end, then the segment's base offset, newest first.
      const future = BigInt(Date.now() + 3_600_000);
      expect(await c.offsetsBefore(topic, 0, future, 10)).toEqual([5n, 0n]);
    } finally {
      await c.close();
    }
    return 'earliest, latest, by time';
  });

  for (const codec of v0ReadableCompressions(version)) {
    check(`fetch-kafka08:${codec}`, async () => {
      const topic = uniqueTopic(`compat-k08-${codec}`);
      await k().createTopic({ name: topic, partitions: 1 });
      await produceKafka08(k(), topic, KAFKA08_BATCHES, codec);
      const text = (v: Uint8Array | null | undefined) =>
        v === null || v === undefined ? null : Buffer.from(v).toString('utf8');
      const want = KAFKA08_BATCHES.flat().map((m, i) => ({
        offset: BigInt(i),
        key: text(m.key),
        value: text(m.value),
      }));
      const read = await readWithEngine(k(), [{ topic, partition: 0, count: want.length }]);
      expect(read.errors.size).toBe(0);
      expect(read.records.get(`${topic}/0`)).toEqual(want);
      // And the version's own consumer reads what we wrote.
      const own = await k().fetch(topic, 0);
      expect(own.map((m) => m.value?.toString('utf8') ?? null)).toEqual(want.map((m) => m.value));
      return undefined;
    });
  }

  // The Producer with batches far smaller than a request, so every request joins several of them:
  // newer brokers (2.8, 3.9) take at most one compressed wrapper per partition in a request.
  for (const codec of v0ReadableCompressions(version)) {
    check(`produce-producer:${codec}`, async () => {
      const topic = uniqueTopic(`compat-prod-${codec}`);
      await k().createTopic({ name: topic, partitions: 1 });
      const values = Array.from({ length: 3000 }, (_, i) => `produced ${i} ${'same words '.repeat(6)}`);
      const producer = new Producer({
        'bootstrap.servers': k().brokers,
        'compression.type': codec,
        'batch.size': 1024,
        'linger.ms': 1000,
      });
      try {
        const acks = await producer.sendBatch(values.map((value) => ({ topic, value })));
        expect(acks.map((a) => a.offset)).toEqual(values.map((_, i) => BigInt(i)));
      } finally {
        await producer.close();
      }
      const read = await readWithEngine(k(), [{ topic, partition: 0, count: values.length }]);
      expect(read.errors.size).toBe(0);
      expect(read.records.get(`${topic}/0`)?.map((r) => [r.offset, r.value])).toEqual(
        values.map((v, i) => [BigInt(i), v]),
      );
      return undefined;
    });
  }

  for (const codec of supportedCompressions(version)) {
    check(`fetch-java:${codec}`, async () => {
      const topic = uniqueTopic(`compat-java-${codec}`);
      const plain = uniqueTopic('compat-java-beside');
      await k().createTopic({ name: topic, partitions: 1 });
      await k().createTopic({ name: plain, partitions: 1 });
      await k().produce(topic, JAVA_RECORDS, { compression: codec });
      await k().produce(plain, JAVA_RECORDS);
      const read = await readWithEngine(k(), [
        { topic, partition: 0, count: JAVA_RECORDS.length },
        { topic: plain, partition: 0, count: JAVA_RECORDS.length },
      ]);
      const want = JAVA_RECORDS.map((r, i) => ({ offset: BigInt(i), key: r.key, value: r.value }));
      // Fetched in the same requests as the other topic, which must flow whatever happens here.
      expect(read.records.get(`${plain}/0`)).toEqual(want);
      if (codec === 'zstd') {
        const err = read.errors.get(`${topic}/0`);
        expect(err).toBeInstanceOf(PartitionUnreadableError);
        expect((err as PartitionUnreadableError).reason).toBe('zstd');
        return 'no: needs Fetch v10; PartitionUnreadableError for it, the other partitions flow';
      }
      expect(read.errors.size).toBe(0);
      expect(read.records.get(`${topic}/0`)).toEqual(want);
      return profile.storedMagic === 0 ? undefined : `magic v${profile.storedMagic} down-converted`;
    });
  }

  if (supportedCompressions(version).includes('zstd'))
    check('cli-zstd', async () => {
      const topic = uniqueTopic('compat-cli-zstd');
      await k().createTopic({ name: topic, partitions: 1 });
      await k().produce(topic, JAVA_RECORDS, { compression: 'zstd' });
      // It once printed nothing and never exited.
      const run = await cli(['consume', '--brokers', k().brokers, '--topic', topic], '', {}, 30_000);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^kafka08: PartitionUnreadableError: .*zstd.*Fetch v10/);
      return 'one-line error, exit 1';
    });

  if (profile.downConversionConfig)
    check('downconversion-off', async () => {
      const topic = uniqueTopic('compat-noconv');
      const plain = uniqueTopic('compat-noconv-beside');
      await k().createTopic({
        name: topic,
        partitions: 1,
        config: { 'message.downconversion.enable': 'false' },
      });
      await k().createTopic({ name: plain, partitions: 1 });
      await k().produce(topic, JAVA_RECORDS);
      await k().produce(plain, JAVA_RECORDS);
      const read = await readWithEngine(k(), [
        { topic, partition: 0, count: JAVA_RECORDS.length },
        { topic: plain, partition: 0, count: JAVA_RECORDS.length },
      ]);
      expect(read.records.get(`${plain}/0`)?.length).toBe(JAVA_RECORDS.length);
      const err = read.errors.get(`${topic}/0`);
      expect(err).toBeInstanceOf(PartitionUnreadableError);
      expect((err as PartitionUnreadableError).reason).toBe('down-conversion-disabled');
      return 'no: error 35; PartitionUnreadableError for it, the other partitions flow';
    });

  check('commit-v0-zookeeper', async () => {
    const topic = uniqueTopic('compat-commit0');
    const group = uniqueGroup('compat0');
    await k().createTopic({ name: topic, partitions: 1 });
    const c = simpleConsumer(k());
    try {
      const resp = await c.commitOffsets({
        version: 0,
        consumerGroupId: group,
        topics: [{ topic, partitions: [{ partition: 0, offset: 42n, metadata: '' }] }],
      });
      expect(resp.topics[0]?.partitions[0]?.errorCode).toBe(0);
      // Where that version's own ZooKeeper client (and Kafka's old consumer) reads it.
      expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBe('42');
      const fetched = await c.fetchOffsets({
        version: 0,
        consumerGroupId: group,
        topics: [{ topic, partitions: [0] }],
      });
      expect(fetched.topics[0]?.partitions[0]).toMatchObject({ offset: 42n, errorCode: 0 });
    } finally {
      await c.close();
    }
    return undefined;
  });

  if (profile.kafkaOffsetStorage)
    check('commit-v1-kafka', async () => {
      const topic = uniqueTopic('compat-commit1');
      const group = uniqueGroup('compat1');
      await k().createTopic({ name: topic, partitions: 1 });
      const c = simpleConsumer(k());
      try {
        let coordinator = await c.consumerMetadata(group);
        for (let i = 0; i < 60 && coordinator.errorCode !== 0; i++) {
          await sleep(500);
          coordinator = await c.consumerMetadata(group);
        }
        expect(coordinator.errorCode).toBe(0);
        const coord = simpleConsumer(k(), coordinator.coordinatorHost, coordinator.coordinatorPort);
        try {
          const commit = () =>
            coord.commitOffsets({
              version: 1,
              consumerGroupId: group,
              consumerGroupGenerationId: -1,
              consumerId: '',
              topics: [
                { topic, partitions: [{ partition: 0, offset: 77n, timestampMs: -1n, metadata: 'm' }] },
              ],
            });
          let code = (await commit()).topics[0]?.partitions[0]?.errorCode;
          for (let i = 0; i < 40 && code !== 0; i++) {
            await sleep(500);
            code = (await commit()).topics[0]?.partitions[0]?.errorCode;
          }
          expect(code).toBe(ErrorCode.NONE);
          const fetched = await coord.fetchOffsets({
            version: 1,
            consumerGroupId: group,
            topics: [{ topic, partitions: [0] }],
          });
          expect(fetched.topics[0]?.partitions[0]).toMatchObject({ offset: 77n, errorCode: 0 });
        } finally {
          await coord.close();
        }
      } finally {
        await c.close();
      }
      if (profile.toolMainClass !== 'KafkaClientsTool') return undefined;
      // The version's own Java consumer sees the offset we committed.
      expect(await k().committedOffset(group, topic, 0)).toBe(77n);
      return 'read back by its own consumer';
    });

  check('flink-082-checkpoints', async () => {
    const topic = uniqueTopic('compat-082');
    const group = uniqueGroup('compat082');
    await k().createTopic({ name: topic, partitions: 2 });
    await k().produce(
      topic,
      Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `v${i}` })),
    );
    const Consumer = version === '0.8.1.1' ? FlinkKafkaConsumer081 : FlinkKafkaConsumer082;
    const consumer = new Consumer(topic, new SimpleStringSchema(), props(k(), group));
    try {
      expect((await readN(consumer, 20)).sort()).toEqual(
        Array.from({ length: 20 }, (_, i) => `v${i}`).sort(),
      );
      consumer.snapshotState(1);
      expect(await consumer.notifyCheckpointComplete(1)).toBe(true);
      expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBe('10');
      expect(await k().zkGet(zkOffsetPath(group, topic, 1))).toBe('10');
    } finally {
      await consumer.close();
    }
    return version === '0.8.1.1' ? 'FlinkKafkaConsumer081' : undefined;
  });

  check('kafka-source-membership', async () => {
    const topic = uniqueTopic('compat-ks');
    const group = uniqueGroup('compatks');
    await k().createTopic({ name: topic, partitions: 2 });
    await k().produce(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `s${i}` })),
    );
    const s = new KafkaSource(topic, new SimpleStringSchema(), kafkaSourceProps(k(), group));
    try {
      expect((await readN(s, 10)).length).toBe(10);
      // Read with that version's own ZooKeeper client: the 0.8 group layout is what it expects.
      expect(await k().zkChildren(`/consumers/${group}/ids`)).toEqual([s.consumerId]);
      for (const p of [0, 1])
        expect(await k().zkGet(`/consumers/${group}/owners/${topic}/${p}`)).toBe(`${s.consumerId}-0`);
    } finally {
      await s.close();
    }
    await until(
      'the member to leave',
      () => k().zkChildren(`/consumers/${group}/ids`),
      (ids) => ids.length === 0,
    );
    return undefined;
  });
});
