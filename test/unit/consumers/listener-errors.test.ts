import { afterEach, describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082 } from '../../../src/consumers/flink-kafka-consumer-082.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import { FetchEngine } from '../../../src/simple-consumer/fetch-engine/index.js';
import type { ListenerErrorEvent } from '../../../src/simple-consumer/guarded-emit.js';
import { within } from '../../helpers/within.js';
import { FakeCluster, key } from '../simple-consumer/fetch-engine-fake-cluster.js';

// Application listeners that throw (or reject) must not stop the engine's leader lookups or a
// consumer's reading, nor end in an unhandled rejection: they are reported instead.

const clusters: FakeCluster[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

const values = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `v${from + i}`);

describe('throwing listeners', () => {
  it('the engine follows a leader move and resets offsets while every listener throws or rejects', async () => {
    const c = await FakeCluster.start(2);
    clusters.push(c);
    c.addPartition('m', 0, 0);
    c.addPartition('m', 1, 0);
    c.append('m', 0, values(5));
    c.append('m', 1, values(5));
    const e = new FetchEngine(c.metadata(), {
      maxWaitMs: 20,
      refreshLeaderBackoffMs: 5,
      maxRefreshLeaderBackoffMs: 20,
      socketTimeoutMs: 1000,
    });
    closers.push(() => e.close());
    const reported: ListenerErrorEvent[] = [];
    e.on('listener-error', (ev) => reported.push(ev));
    e.on('leader-change', () => {
      throw new Error('leader-change listener');
    });
    e.on('offset-reset', async () => {
      throw new Error('offset-reset listener');
    });
    let later = 0;
    e.on('offset-reset', () => later++);
    e.assign([
      { topic: 'm', partition: 0, offset: 'earliest' },
      { topic: 'm', partition: 1, offset: 'earliest' },
    ]);
    const got: string[] = [];
    const take = async (n: number) => {
      while (got.length < n) for (const m of (await e.next()).messages) got.push(m.value!.toString());
    };
    await within(take(10), 5000, 'first');
    c.leaders.set(key('m', 0), 1);
    c.append('m', 0, values(5, 5));
    await within(take(15), 5000, 'after the leader move');
    expect(got.length).toBe(15);
    // The second offset-reset listener ran although the first one rejected.
    expect(later).toBe(2);
    expect(reported.map((r) => r.event).sort()).toEqual(['leader-change', 'offset-reset', 'offset-reset']);
    expect(reported.every((r) => r.error instanceof Error && /listener/.test(r.error.message))).toBe(true);
  });

  it('a consumer goes on reading; without a listener-error listener the failure is a process warning', async () => {
    const c = await FakeCluster.start(1);
    clusters.push(c);
    c.addPartition('t', 0, 0);
    c.append('t', 0, values(20));
    const k = new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
      'bootstrap.servers': `${c.brokers[0]!.host}:${c.brokers[0]!.port}`,
      'zookeeper.connect': '127.0.0.1:1',
      claimSubtask: false, // no ZooKeeper here: the fake brokers are the whole cluster
      'group.id': 'listeners',
      'auto.offset.reset': 'smallest',
      'auto.commit.enable': false,
      'fetch.wait.max.ms': 20,
    });
    closers.push(() => k.close());
    k.on('offset-reset', () => {
      throw new Error('offset-reset listener of the application');
    });
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    try {
      const got: string[] = [];
      while (got.length < 20) got.push((await within(k.read(), 5000, 'read'))!);
      expect(got).toEqual(values(20));
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.message)).toContain(
        "a 'offset-reset' listener threw: Error: offset-reset listener of the application",
      );
    } finally {
      process.off('warning', onWarning);
    }
  });
});
