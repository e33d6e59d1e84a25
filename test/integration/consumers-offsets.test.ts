import { describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082, SimpleStringSchema } from '../../src/index.js';
import { sharedCluster } from '../helpers/cluster.js';
import { kafkaHighLevelConsume } from '../jvm/consumers/high-level.js';
import { props, readN, seedTopic, uniqueGroup, zkOffsetPath } from './consumers-helpers.js';

const k = () => sharedCluster('0.8.2.2');

describe('FlinkKafkaConsumer082 offsets in ZooKeeper (Flink runOffsetInZookeeperValidationTest)', () => {
  it('commits the next offset on checkpoint completion and resumes from ZooKeeper offsets', async () => {
    const topic = await seedTopic(k(), 'zk-offsets', 3, 100);
    const group = uniqueGroup('zk');
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { checkpointing: true }),
    );
    const got = await readN(c, 300);
    expect(new Set(got).size).toBe(300);
    c.snapshotState(1);
    expect(await c.notifyCheckpointComplete(1)).toBe(true);
    await c.close();
    for (let p = 0; p < 3; p++) expect(await k().zkGet(zkOffsetPath(group, topic, p))).toBe('100');

    // Kafka's convention: 50 means "the next to read is 50", so the new consumer reads 50..99.
    for (let p = 0; p < 3; p++) await k().zkSet(zkOffsetPath(group, topic, p), '50');
    const d = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { checkpointing: true }),
    );
    const again = await readN(d, 150);
    await d.close();
    const expected = [];
    for (let p = 0; p < 3; p++) for (let i = 50; i < 100; i++) expected.push(`${p}:${i}`);
    expect(again.sort()).toEqual(expected.sort());
  });
});

describe('FlinkKafkaConsumer082 commit policies and start positions', () => {
  it('commits periodically without checkpoints (Flink runOffsetAutocommitTest, FLINK-2974)', async () => {
    const topic = await seedTopic(k(), 'autocommit', 3, 100);
    const group = uniqueGroup('auto');
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { 'auto.commit.interval.ms': '200' }),
    );
    await readN(c, 300);
    // The application asks for more once the 300th record is processed: only then is it
    // committable (a record still being processed is never committed).
    const waiting = c.read();
    const deadline = Date.now() + 10_000;
    const values = async () => Promise.all([0, 1, 2].map((p) => k().zkGet(zkOffsetPath(group, topic, p))));
    let v = await values();
    while (v.some((x) => x !== '100') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      v = await values();
    }
    // Checked while still open: the periodic committer did it, not the commit on close.
    expect(v).toEqual(['100', '100', '100']);
    await c.close();
    expect(await waiting).toBeUndefined();
  });

  it('never commits with commitOffsets: false', async () => {
    const topic = await seedTopic(k(), 'nocommit', 1, 10);
    const group = uniqueGroup('nocommit');
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { commitOffsets: false, 'auto.commit.interval.ms': 50 }),
    );
    await readN(c, 10);
    c.snapshotState(1);
    expect(await c.notifyCheckpointComplete(1)).toBe(false);
    await c.close();
    expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBeNull();
  });

  it('resets an out-of-range ZooKeeper offset per auto.offset.reset (Flink runInvalidOffsetTest)', async () => {
    const topic = await seedTopic(k(), 'invalid', 1, 20);
    const group = uniqueGroup('invalid');
    await k().zkSet(zkOffsetPath(group, topic, 0), '1234');
    const c = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k(), group));
    const resets: bigint[] = [];
    c.on('offset-reset', (e) => resets.push(e.from ?? -1n));
    const got = await readN(c, 20);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `0:${i}`));
    // Two out-of-range events in one consumer's life (Flink 0.10 died on the second).
    c.seek(topic, 0, 9999n);
    const again = await readN(c, 20);
    expect(again).toEqual(got);
    expect(resets).toEqual([1234n, 9999n]);
    await c.close();
  });

  it('honours largest and smallest for a group without offsets (FLINK-3341)', async () => {
    const topic = await seedTopic(k(), 'reset', 1, 20);
    const smallest = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), uniqueGroup('s'), { 'auto.offset.reset': 'smallest' }),
    );
    expect((await readN(smallest, 20))[0]).toBe('0:0');
    await smallest.close();
    const largest = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), uniqueGroup('l'), { 'auto.offset.reset': 'largest' }),
    );
    await largest.start();
    expect(largest.position(topic, 0)).toBe(20n);
    await k().produce(topic, [{ value: 'new-1' }, { value: 'new-2' }]);
    expect(await readN(largest, 2)).toEqual(['new-1', 'new-2']);
    await largest.close();
  });

  it('reads the legacy Flink 0.9/0.10 convention (last processed offset) when asked', async () => {
    const topic = await seedTopic(k(), 'legacy', 1, 100);
    const group = uniqueGroup('legacy');
    await k().zkSet(zkOffsetPath(group, topic, 0), '49');
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { 'flink.offsets.legacy-convention': 'true', checkpointing: true }),
    );
    const got = await readN(c, 50);
    expect(got[0]).toBe('0:50');
    expect(got.at(-1)).toBe('0:99');
    // Commits convert the group to Kafka's convention.
    c.snapshotState(7);
    await c.notifyCheckpointComplete(7);
    await c.close();
    expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBe('100');
  });

  it('starts from explicit positions regardless of the group (startFrom)', async () => {
    const topic = await seedTopic(k(), 'startfrom', 2, 10);
    const group = uniqueGroup('sf');
    for (const p of [0, 1]) await k().zkSet(zkOffsetPath(group, topic, p), '5');
    const earliest = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { startFrom: 'earliest', autoCommitEnable: false }),
    );
    expect((await readN(earliest, 20)).length).toBe(20);
    await earliest.close();
    const specific = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, {
        autoCommitEnable: false,
        startFrom: { specificOffsets: [{ topic, partition: 1, offset: 8n }] },
      }),
    );
    const got = await readN(specific, 7);
    expect(got.filter((v) => v.startsWith('1:')).sort()).toEqual(['1:8', '1:9']);
    expect(got.filter((v) => v.startsWith('0:')).sort()).toEqual(['0:5', '0:6', '0:7', '0:8', '0:9']);
    await specific.close();
  });
});

describe('offsets interoperate with Kafka 0.8.2 own high-level consumer (FLINK-4723)', () => {
  it('same group, no off-by-one in either direction', async () => {
    const topic = await seedTopic(k(), 'interop', 1, 20);
    const group = uniqueGroup('interop');
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { checkpointing: true }),
    );
    expect(await readN(c, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `0:${i}`));
    c.snapshotState(1);
    await c.notifyCheckpointComplete(1);
    await c.close();

    const theirs = await kafkaHighLevelConsume('0.8.2.2', k().zookeeper, group, topic, 100);
    expect(theirs.map((r) => r.value)).toEqual(Array.from({ length: 10 }, (_, i) => `0:${i + 10}`));
    expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBe('20');

    await k().produce(topic, [{ value: 'after-1' }, { value: 'after-2' }]);
    const d = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { checkpointing: true }),
    );
    expect(await readN(d, 2)).toEqual(['after-1', 'after-2']);
    await d.close();
  });
});

describe('Kafka-stored offsets (offsets.storage=kafka, OffsetCommit/OffsetFetch v1)', () => {
  it('commits to the coordinator only, and resumes from there', async () => {
    const topic = await seedTopic(k(), 'kafka-store', 2, 10);
    const group = uniqueGroup('kstore');
    const opts = { checkpointing: true, 'offsets.storage': 'kafka', 'dual.commit.enabled': 'false' } as const;
    const c = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k(), group, opts));
    await readN(c, 20);
    c.snapshotState(1);
    expect(await c.notifyCheckpointComplete(1)).toBe(true);
    await c.close();
    expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBeNull();
    await k().produce(topic, [{ partition: 1, value: 'later' }]);
    const d = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k(), group, opts));
    expect(await readN(d, 1)).toEqual(['later']);
    await d.close();
  });
});
