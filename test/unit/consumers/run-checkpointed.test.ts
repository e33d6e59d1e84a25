import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../../src/consumers/checkpoint/checkpoint-store.js';
import { FileCheckpointStore } from '../../../src/consumers/checkpoint/file-checkpoint-store.js';
import { runCheckpointed } from '../../../src/consumers/checkpoint/run-checkpointed.js';
import { ProcessingError } from '../../../src/consumers/errors.js';
import { FlinkKafkaConsumer082 } from '../../../src/consumers/flink-kafka-consumer-082.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import { FakeCluster, key } from '../simple-consumer/fetch-engine-fake-cluster.js';

const clusters: FakeCluster[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function cluster(partitions: number, perPartition: number, end: boolean): Promise<FakeCluster> {
  const c = await FakeCluster.start(1);
  clusters.push(c);
  for (let p = 0; p < partitions; p++) {
    c.addPartition('t', p, 0);
    c.append('t', p, [
      ...Array.from({ length: perPartition }, (_, i) => `${p}:${i}`),
      ...(end ? ['END'] : []),
    ]);
  }
  return c;
}

function consumer(c: FakeCluster) {
  return new FlinkKafkaConsumer082('t', new SimpleStringSchema({ endMarker: 'END' }), {
    'bootstrap.servers': `${c.brokers[0]!.host}:${c.brokers[0]!.port}`,
    'zookeeper.connect': '127.0.0.1:1',
    claimSubtask: false, // no ZooKeeper here: the fake brokers are the whole cluster
    'group.id': 'runner',
    'fetch.wait.max.ms': 20,
    startFrom: 'earliest',
    checkpointing: true,
  });
}

interface Counts {
  seen: Record<string, number>;
}

function store(): FileCheckpointStore<Counts> {
  const d = mkdtempSync(join(tmpdir(), 'kafka08-runner-'));
  dirs.push(d);
  return new FileCheckpointStore<Counts>(d);
}

describe('runCheckpointed', () => {
  it('a run that fails mid-way is redone from the last checkpoint: every record counted exactly once', async () => {
    const c = await cluster(2, 50, true);
    const s = store();
    let calls = 0;
    const failing = runCheckpointed(consumer(c), {
      store: s,
      initialState: (): Counts => ({ seen: {} }),
      process: (v: string, st) => {
        if (++calls === 37) throw new Error('worker died');
        st.seen[v] = (st.seen[v] ?? 0) + 1;
      },
      everyRecords: 10,
    });
    const err = await failing.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessingError);
    expect((err as ProcessingError).topic).toBe('t');
    const afterCrash = await s.load();
    expect(afterCrash?.id).toBe(3);
    expect(Object.keys(afterCrash!.state.seen)).toHaveLength(30);
    // Offsets were committed with each completed checkpoint, never ahead of it.
    const committed = [0, 1].map((p) => c.committed.get('runner')?.get(key('t', p)) ?? 0n);
    expect(committed.reduce((a, b) => a + b, 0n)).toBe(30n);

    const checkpoints: Checkpoint<Counts>[] = [];
    const done = await runCheckpointed(consumer(c), {
      store: s,
      initialState: (): Counts => ({ seen: {} }),
      process: (v: string, st) => {
        st.seen[v] = (st.seen[v] ?? 0) + 1;
      },
      everyRecords: 10,
      onCheckpoint: (cp) => checkpoints.push(cp),
    });
    expect(done.ended).toBe(true);
    expect(done.processed).toBe(70);
    expect(checkpoints.at(-1)?.id).toBe(done.lastCheckpoint);
    const expected: Record<string, number> = {};
    for (let p = 0; p < 2; p++) for (let i = 0; i < 50; i++) expected[`${p}:${i}`] = 1;
    expect(done.state.seen).toEqual(expected);
    expect((await s.load())?.state.seen).toEqual(expected);
  });

  it('checkpoints when idle after records, and once more when stopped by its signal', async () => {
    const c = await cluster(1, 5, false);
    const s = store();
    const ac = new AbortController();
    const ids: number[] = [];
    const run = runCheckpointed(consumer(c), {
      store: s,
      initialState: (): Counts => ({ seen: {} }),
      process: (v: string, st) => ({ seen: { ...st.seen, [v]: 1 } }),
      everyRecords: 1000,
      everyMs: 50,
      signal: ac.signal,
      onCheckpoint: (cp) => ids.push(cp.id),
    });
    while (ids.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(Object.keys((await s.load())!.state.seen)).toHaveLength(5);
    // Idle: no new checkpoint without new records.
    await new Promise((r) => setTimeout(r, 150));
    expect(ids).toEqual([1]);
    c.append('t', 0, ['0:5']);
    while (ids.length === 1) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    const done = await run;
    expect(done.ended).toBe(false);
    expect(done.processed).toBe(6);
    expect(ids).toEqual([1, 2]);
    expect(c.committed.get('runner')?.get(key('t', 0))).toBe(6n);
  });
});
