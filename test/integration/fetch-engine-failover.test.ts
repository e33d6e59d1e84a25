import { afterEach, describe, expect, it } from 'vitest';
import { RequestTimeoutError } from '../../src/simple-consumer/errors.js';
import type {
  FetchBatch,
  LeaderChangeEvent,
  RetriableErrorEvent,
} from '../../src/simple-consumer/fetch-engine/index.js';
import { ownCluster, uniqueTopic } from '../helpers/cluster.js';
import { count, type EngineHandle, engineFor, pullUntil, valuesOf } from './fetch-engine-support.js';

const handles: EngineHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
});

describe('fetch engine on a 3-broker Kafka 0.8.2.2 cluster', () => {
  const cluster = ownCluster({ version: '0.8.2.2', brokers: 3 });

  it('keeps reading through a killed leader and its restart: every message exactly once, in order', async () => {
    const k = cluster.current;
    const topic = uniqueTopic('fe-failover');
    await k.createTopic({ name: topic, partitions: 2, replicationFactor: 3 });
    const leaders = await k.waitForLeaders([{ name: topic, partitions: 2 }]);
    const victim = leaders.get(`${topic}/0`);
    if (victim === undefined) throw new Error('no leader for partition 0');

    // `none`: a wrong position after the failover would surface instead of being papered over.
    const h = engineFor(
      k,
      { autoOffsetReset: 'none', fetchSizeBytes: 2048, refreshLeaderBackoffMs: 100 },
      3000,
    );
    handles.push(h);
    const moves: LeaderChangeEvent[] = [];
    const errors: RetriableErrorEvent[] = [];
    h.engine.on('leader-change', (e) => moves.push(e));
    h.engine.on('error', (e) => errors.push(e));
    h.engine.assign([0, 1].map((partition) => ({ topic, partition, offset: 0n })));

    const expected = new Map<number, string[]>([
      [0, []],
      [1, []],
    ]);
    let total = 0;
    const produceRound = async (round: number): Promise<void> => {
      const records = Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, value: `${round}-${i}` }));
      await k.produce(topic, records);
      for (const r of records) expected.get(r.partition)!.push(r.value);
      total += records.length;
    };
    const got: FetchBatch[] = [];
    for (let round = 0; round < 4; round++) await produceRound(round);
    await pullUntil(h.engine, (b) => count(b) >= 100, 30_000, got);

    await k.killBroker(victim, { signal: 'SIGKILL' });
    // The rig's JVM producer needs the new leaders elected; the engine finds them on its own.
    await k.waitForLeaders([{ name: topic, partitions: 2 }], { liveBrokers: 2 });
    for (let round = 4; round < 8; round++) await produceRound(round);
    await pullUntil(h.engine, (b) => count(b) >= total, 90_000, got);

    await k.restartBroker(victim);
    await k.waitForLeaders([{ name: topic, partitions: 2 }], { liveBrokers: 3 });
    for (let round = 8; round < 10; round++) await produceRound(round);
    await pullUntil(h.engine, (b) => count(b) >= total, 90_000, got);

    expect(count(got)).toBe(total);
    expect(valuesOf(got, 0)).toEqual(expected.get(0));
    expect(valuesOf(got, 1)).toEqual(expected.get(1));
    expect(moves.some((m) => m.partition === 0 && m.from === victim && m.to !== victim)).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('a broker that stops answering (SIGSTOP): request timeouts are reported, reading resumes after SIGCONT', async () => {
    const k = cluster.current;
    const topic = uniqueTopic('fe-stop');
    await k.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
    const leaders = await k.waitForLeaders([{ name: topic, partitions: 1 }]);
    const leader = leaders.get(`${topic}/0`);
    const pid = k.descriptor().brokerList.find((b) => b.id === leader)?.pid;
    if (leader === undefined || pid === undefined) throw new Error('no leader pid for the partition');

    const h = engineFor(k, { refreshLeaderBackoffMs: 100 }, 1500);
    handles.push(h);
    const errors: RetriableErrorEvent[] = [];
    h.engine.on('error', (e) => errors.push(e));
    await k.produce(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ value: `a${i}` })),
    );
    h.engine.assign([{ topic, partition: 0, offset: 0n }]);
    const got = await pullUntil(h.engine, (b) => count(b) >= 10, 30_000);

    process.kill(pid, 'SIGSTOP');
    const stoppedAt = Date.now();
    try {
      while (!errors.some((e) => e.error instanceof RequestTimeoutError)) {
        if (Date.now() - stoppedAt > 10_000) throw new Error('no RequestTimeoutError within 10 s of SIGSTOP');
        await new Promise((r) => setTimeout(r, 50));
      }
      // The fetch timeout is the configured 1.5 s, not the default 30 s.
      expect(Date.now() - stoppedAt).toBeLessThan(5000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await k.produce(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ value: `b${i}` })),
    );
    await pullUntil(h.engine, (b) => count(b) >= 20, 60_000, got);
    expect(valuesOf(got)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `a${i}`),
      ...Array.from({ length: 10 }, (_, i) => `b${i}`),
    ]);
  });
});
