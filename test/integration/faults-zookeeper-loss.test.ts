import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  FlinkKafkaConsumer082,
  KafkaSource,
  runCheckpointed,
  SimpleStringSchema,
} from '../../src/index.js';
import { memoryPeak, reportFigures, scaled } from '../faults/results.js';
import { ownCluster, uniqueTopic } from '../helpers/cluster.js';
import { TcpProxy } from '../unit/zookeeper/tcp-proxy.js';
import { kafkaSourceProps, props, uniqueGroup } from './consumers-helpers.js';

// ZooKeeper loss: ZooKeeper is killed mid-stream and stays away for twice the session timeout,
// then restarts. Checkpoint commits fail meanwhile and must land afterwards. A restarted server
// restores its sessions (clients that come back in time keep them), so the KafkaSource members
// reach ZooKeeper through a proxy that stays silent until their sessions have expired on the
// restarted server: they must then re-register and rebalance. Nothing may be lost, and the
// checkpointed consumer sees every offset exactly once.

const OUTAGES = scaled(1, 3);
const PARTITIONS = 4;
const SESSION_TIMEOUT_MS = 4000;
const PER_PHASE = 4000;
const cluster = ownCluster({ version: '0.8.2.2', brokers: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ZooKeeper loss mid-stream', () => {
  it(`${OUTAGES} outage(s) longer than the session timeout: commits land, members rebalance, nothing lost`, async () => {
    const k = cluster.current;
    const topic = uniqueTopic('faults-zk');
    await k.createTopic({ name: topic, partitions: PARTITIONS });
    const produce = (phase: number) =>
      k.produce(
        topic,
        Array.from({ length: PER_PHASE }, (_, i) => ({ partition: i % PARTITIONS, value: `${phase}:${i}` })),
      );
    await produce(0);
    const mem = memoryPeak();

    // The checkpointed consumer, driven by runCheckpointed with an in-memory store.
    const ckptGroup = uniqueGroup('faults-zk-ckpt');
    const checkpointed = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema({ endMarker: 'END' }),
      props(k, ckptGroup, {
        checkpointing: true,
        'socket.timeout.ms': 3000,
        'zookeeper.session.timeout.ms': SESSION_TIMEOUT_MS,
      }),
    );
    const seen = new Map<string, number>();
    let commitFailures = 0;
    let lastCommitOkAt = 0;
    let failedId = -1;
    let lastCheckpoint: Checkpoint<null> | undefined;
    const ckptRun = runCheckpointed(checkpointed, {
      store: {
        load: async () => undefined,
        save: async (cp) => {
          lastCheckpoint = cp;
        },
      },
      initialState: () => null,
      process: async () => {
        // About 1000 records a second, so checkpoints (and their commits) go on during the outage.
        if (seen.size % 10 === 0) await sleep(10);
        const at = checkpointed.recordContext()!;
        const key = `${at.partition}:${at.offset}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      },
      everyRecords: 500,
      everyMs: 300,
      onCommitFailed: () => {
        commitFailures++;
        failedId = lastCheckpoint?.id ?? -1;
      },
      onCheckpoint: (cp) => {
        if (cp.id !== failedId) lastCommitOkAt = Date.now();
      },
    });

    // Two KafkaSource members of one group.
    const group = uniqueGroup('faults-zk-src');
    const zkProxy = await TcpProxy.start(k.zookeeper);
    const sourceSeen = new Map<string, number>();
    const ended = new Set<number>();
    const rebalances: number[] = [];
    const stop = new AbortController();
    const members = [0, 1].map(
      () =>
        new KafkaSource(
          topic,
          new SimpleStringSchema(),
          kafkaSourceProps(k, group, {
            'zookeeper.connect': zkProxy.address,
            'zookeeper.session.timeout.ms': SESSION_TIMEOUT_MS,
            'socket.timeout.ms': 3000,
          }),
        ),
    );
    for (const m of members) m.on('rebalance', () => rebalances.push(Date.now()));
    const failures: unknown[] = [];
    const sourceRuns = members.map((m) =>
      m
        .run({
          signal: stop.signal,
          eachRecord: (value, ctx) => {
            const key = `${ctx.partition}:${ctx.offset}`;
            sourceSeen.set(key, (sourceSeen.get(key) ?? 0) + 1);
            if (value === 'END') ended.add(ctx.partition);
          },
        })
        .catch((err: unknown) => failures.push(err)),
    );
    ckptRun.catch((err: unknown) => failures.push(err));

    const recoveries: number[] = [];
    for (let outage = 1; outage <= OUTAGES; outage++) {
      await sleep(1500);
      zkProxy.mode = 'blackhole';
      await k.killZookeeper();
      zkProxy.cutAll();
      await sleep(2 * SESSION_TIMEOUT_MS);
      await k.restartZookeeper();
      const restartedAt = Date.now();
      await produce(outage);
      // The restored sessions of the members expire on the restarted server before they are heard.
      await sleep(2 * SESSION_TIMEOUT_MS);
      zkProxy.mode = 'pass';
      const healedAt = Date.now();
      // Recovered: a checkpoint commit landed and the group rebalanced after the restart.
      const deadline = Date.now() + 90_000;
      while (
        Date.now() < deadline &&
        failures.length === 0 &&
        (lastCommitOkAt < restartedAt || !rebalances.some((t) => t >= healedAt))
      )
        await sleep(50);
      // Commits: from the restart. Rebalance: from when the members could reach ZooKeeper again.
      recoveries.push(
        Math.max(
          lastCommitOkAt - restartedAt,
          (rebalances.find((t) => t >= healedAt) ?? Number.POSITIVE_INFINITY) - healedAt,
        ),
      );
    }
    await k.produce(
      topic,
      Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: 'END' })),
    );
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && failures.length === 0 && ended.size < PARTITIONS) await sleep(50);
    const result = await Promise.race([ckptRun, sleep(90_000).then(() => undefined)]);
    // Both members registered again (a session expiry is noticed at the next reconnect).
    let ids = await k.zkChildren(`/consumers/${group}/ids`);
    for (const until = Date.now() + 30_000; ids.length < 2 && Date.now() < until; await sleep(200))
      ids = await k.zkChildren(`/consumers/${group}/ids`);
    stop.abort();
    await Promise.all(sourceRuns);
    await Promise.all(members.map((m) => m.close()));
    await zkProxy.close();
    const peak = mem.stop();

    const total = PER_PHASE * (OUTAGES + 1);
    const sourceMissing = total + PARTITIONS - sourceSeen.size;
    const duplicatedCkpt = [...seen.values()].filter((n) => n > 1).length;
    const duplicatedSource = [...sourceSeen.values()].reduce((a, n) => a + n - 1, 0);
    // The group's committed offsets, read from ZooKeeper after the last checkpoint.
    const committed = await Promise.all(
      Array.from({ length: PARTITIONS }, (_, p) => k.zkGet(`/consumers/${ckptGroup}/offsets/${topic}/${p}`)),
    );
    reportFigures('zookeeper-loss', {
      fault: `ZooKeeper killed for ${(2 * SESSION_TIMEOUT_MS) / 1000} s (2x the session timeout) and restarted`,
      count: OUTAGES,
      records: total,
      lost: total - seen.size + Math.max(0, sourceMissing),
      duplicated: duplicatedCkpt,
      worstRecoveryMs: Math.max(...recoveries),
      peakMemoryBytes: peak,
      notes: `checkpoint commits that failed and were retried: ${commitFailures}; KafkaSource rebalances: ${rebalances.length}, duplicates since the last commit: ${duplicatedSource}; members registered at the end: ${ids.length}`,
    });
    expect(failures).toEqual([]);
    expect(result?.ended).toBe(true);
    expect(seen.size).toBe(total);
    expect(duplicatedCkpt).toBe(0);
    expect(sourceSeen.size).toBe(total + PARTITIONS);
    expect(ids.length).toBe(2);
    expect(commitFailures).toBeGreaterThan(0);
    expect(committed).toEqual(Array.from({ length: PARTITIONS }, () => String(total / PARTITIONS)));
    for (const ms of recoveries) expect(ms).toBeLessThan(90_000);
  }, 600_000);
});
