import { describe, expect, it } from 'vitest';
import {
  type ConsumerCheckpointState,
  FlinkKafkaConsumer082,
  type KafkaConsumerBase,
  SimpleStringSchema,
} from '../../src/index.js';
import { sharedCluster } from '../helpers/cluster.js';
import { props, seedTopic, uniqueGroup } from './consumers-helpers.js';

const k = () => sharedCluster('0.8.2.2');

interface Run {
  partitions: number;
  parallelism: number;
  perPartition: number;
  /** Total records after which every instance "fails" once and restarts from the last checkpoint. */
  failAfter: number;
  maxPartitionsPerInstance: number;
}

/**
 * Flink's exactly-once ITCases without Flink: `parallelism` instances read concurrently into a
 * sink; every 47 records one checkpoint snapshots all instances and the sink together
 * (synchronously, so consistently, while the other instances are mid-read) and completes it. After `failAfter` records everything is thrown away and
 * restarted from the last checkpoint (instances restored, sink rolled back). At the end the
 * sink must hold every value exactly once, and no instance may have seen more partitions than
 * allowed (PartitionValidatingMapper).
 */
async function runExactlyOnce(r: Run): Promise<void> {
  const topic = await seedTopic(k(), 'eo', r.partitions, r.perPartition);
  const group = uniqueGroup('eo');
  const total = r.partitions * r.perPartition;
  let sink: string[] = [];
  let checkpoint: { states: ConsumerCheckpointState[]; sink: string[] } | undefined;
  let failed = false;
  let checkpointId = 0;

  const attempt = async (restore: ConsumerCheckpointState[] | undefined): Promise<'failed' | 'done'> => {
    const instances = Array.from({ length: r.parallelism }, (_, i) => {
      const c = new FlinkKafkaConsumer082(
        topic,
        new SimpleStringSchema(),
        props(k(), group, {
          subtaskIndex: i,
          parallelism: r.parallelism,
          checkpointing: true,
          'fetch.message.max.bytes': 256,
        }),
      );
      if (restore !== undefined) c.restoreState(restore[i]!);
      return c;
    });
    const seen = instances.map(() => new Set<string>());
    await Promise.all(instances.map((c) => c.start()));
    let outcome: 'failed' | 'done' | undefined;
    const takeCheckpoint = () => {
      checkpointId++;
      checkpoint = { states: instances.map((c) => c.snapshotState(checkpointId)), sink: [...sink] };
      const id = checkpointId;
      for (const c of instances) void c.notifyCheckpointComplete(id);
    };
    const stopAll = async (why: 'failed' | 'done') => {
      outcome ??= why;
      await Promise.all(instances.map((c) => c.close()));
    };
    const guard = setTimeout(() => void stopAll('done'), 60_000);
    await Promise.all(
      instances.map(async (c, i) => {
        for (;;) {
          // poll() hands the record out in this synchronous step, together with sink.push:
          // another instance's checkpoint can never fall between the two.
          const got = c.poll();
          if (got === undefined) {
            if (!(await c.ready()) || outcome !== undefined) return;
            continue;
          }
          if (outcome !== undefined) return;
          const v = got.value;
          sink.push(v);
          seen[i]!.add(v.split(':')[0]!);
          if (sink.length % 47 === 0) takeCheckpoint();
          if (!failed && sink.length >= r.failAfter) {
            failed = true;
            await stopAll('failed');
            return;
          }
          if (sink.length === total) {
            await stopAll('done');
            return;
          }
        }
      }),
    );
    clearTimeout(guard);
    for (const s of seen) expect(s.size).toBeLessThanOrEqual(r.maxPartitionsPerInstance);
    return outcome ?? 'done';
  };

  const first = await attempt(undefined);
  expect(first).toBe('failed');
  expect(checkpoint).toBeDefined();
  sink = [...checkpoint!.sink];
  await attempt(checkpoint!.states);
  const dupes = sink.length - new Set(sink).size;
  expect(dupes).toBe(0);
  expect(sink.length).toBe(total);
}

describe('exactly-once across a failure and restore (Flink KafkaITCase)', () => {
  it('one to one: 5 partitions, 5 instances', async () => {
    await runExactlyOnce({
      partitions: 5,
      parallelism: 5,
      perPartition: 200,
      failAfter: 333,
      maxPartitionsPerInstance: 1,
    });
  });

  it('one instance, several partitions: 5 partitions, 2 instances', async () => {
    await runExactlyOnce({
      partitions: 5,
      parallelism: 2,
      perPartition: 200,
      failAfter: 333,
      maxPartitionsPerInstance: 3,
    });
  });

  it('more instances than partitions: 5 partitions, 8 instances (3 idle instances end)', async () => {
    await runExactlyOnce({
      partitions: 5,
      parallelism: 8,
      perPartition: 200,
      failAfter: 333,
      maxPartitionsPerInstance: 1,
    });
  });
});

describe('restore details Flink got wrong', () => {
  it('an empty partition keeps its start offset across a restore (FLINK-3440)', async () => {
    const topic = await seedTopic(k(), 'empty-part', 2, 0);
    await k().produce(topic, [{ partition: 0, value: 'a' }]);
    const group = uniqueGroup('empty');
    // largest: without the start offset in the checkpoint, the restored consumer would skip 'b'.
    const opts = props(k(), group, {
      checkpointing: true,
      'auto.offset.reset': 'largest',
      startFrom: 'earliest',
    });
    const c = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), opts);
    expect(await c.read()).toBe('a');
    const state = c.snapshotState(1);
    expect(state.offsets).toEqual([
      { topic, partition: 0, offset: '1' },
      { topic, partition: 1, offset: '0' },
    ]);
    await c.close();
    await k().produce(topic, [{ partition: 1, value: 'b' }]);
    const d = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { checkpointing: true, 'auto.offset.reset': 'largest' }),
    );
    d.restoreState(JSON.parse(JSON.stringify(state)) as ConsumerCheckpointState);
    expect(await d.read()).toBe('b');
    await d.close();
  });

  it('restores with another parallelism from the union of the old states', async () => {
    const topic = await seedTopic(k(), 'rescale', 4, 10);
    const group = uniqueGroup('rescale');
    const old = [0, 1].map(
      (i) =>
        new FlinkKafkaConsumer082(
          topic,
          new SimpleStringSchema(),
          props(k(), group, { subtaskIndex: i, parallelism: 2, checkpointing: true }),
        ),
    );
    const firstReads: string[] = [];
    for (const c of old) for (let n = 0; n < 5; n++) firstReads.push((await c.read())!);
    const states = old.map((c) => c.snapshotState(1));
    await Promise.all(old.map((c) => c.close()));
    const single = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { checkpointing: true }),
    );
    single.restoreState(states);
    const rest: string[] = [];
    for (let n = 0; n < 30; n++) rest.push((await single.read())!);
    await single.close();
    const all = [...firstReads, ...rest];
    expect(new Set(all).size).toBe(40);
  });
});

it('snapshot is atomic with hand-out: every position equals what was handed out', async () => {
  const topic = await seedTopic(k(), 'atomic', 3, 50);
  const c: KafkaConsumerBase<string> = new FlinkKafkaConsumer082(
    topic,
    new SimpleStringSchema(),
    props(k(), uniqueGroup('atomic'), { checkpointing: true, 'fetch.message.max.bytes': 512 }),
  );
  const handed = new Map<number, number>();
  for (let n = 0; n < 150; n++) {
    const v = (await c.read())!;
    const [p, i] = v.split(':').map(Number) as [number, number];
    handed.set(p, i + 1);
    const s = c.snapshotState(n);
    for (const o of s.offsets) expect(o.offset).toBe(String(handed.get(o.partition) ?? 0));
  }
  expect(c.pendingCheckpoints().length).toBe(100);
  await c.close();
});
