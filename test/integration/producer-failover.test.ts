/**
 * acks=-1 on a 3-broker 0.8.2.2 cluster with replication 3: the leader of a partition is killed
 * (SIGKILL) while records stream in. Every record the Producer acknowledged must be in the log
 * afterwards, at the offset it was acknowledged with.
 */
import { describe, expect, it } from 'vitest';
import { Producer, type RecordMetadata } from '../../src/producer/index.js';
import type { LocalKafka } from '../../src/rig/index.js';
import { ownCluster } from '../helpers/cluster.js';

const TOPIC = 'failover';

/** Retries enough to outlast the election (60 x 250 ms), as both tests need. */
const THROUGH_FAILOVER = { acks: -1, retries: 60, retryBackoffMs: 250, lingerMs: 2 } as const;

/** The leader of `topic`'s partition 0, once every partition of it has one. */
async function leaderOfFirst(k: LocalKafka, topic: string, partitions: number): Promise<number> {
  const leaders = await k.waitForLeaders([{ name: topic, partitions }]);
  const victim = leaders.get(`${topic}/0`);
  if (victim === undefined) throw new Error(`no leader for ${topic}/0`);
  return victim;
}

// lz4: a compressed request joins several batches of a partition into one wrapper, so the kill
// meets joined wrappers, their retries and the offsets counted across their batches.
describe.each(['none', 'lz4'] as const)('Producer with acks=-1 while a leader dies (%s)', (codec) => {
  const cluster = ownCluster({
    version: '0.8.2.2',
    brokers: 3,
    topics: [{ name: TOPIC, partitions: 3, replicationFactor: 3 }],
  });

  it('loses nothing it acknowledged', async () => {
    const k = cluster.current;
    const victim = await leaderOfFirst(k, TOPIC, 3);
    const producer = new Producer({
      bootstrapServers: k.brokers,
      ...THROUGH_FAILOVER,
      compressionType: codec,
      // Small batches, so that a partition's share of each 250-record round is several of them.
      ...(codec === 'lz4' ? { batchSize: 1024 } : {}),
    });
    const acked = new Map<string, RecordMetadata>();
    let failed = 0;
    let killed: Promise<void> | undefined;
    // Records keep flowing through the kill and for 5,000 more after the broker is gone from
    // ZooKeeper, so some batches meet the dead leader and the election.
    let sent = 0;
    let killDone = false;
    let afterKill = 0;
    try {
      while (afterKill < 5_000) {
        const batch = Array.from({ length: 250 }, (_, j) => `rec-${sent + j}`);
        const results = await Promise.allSettled(
          batch.map((value) => producer.send({ topic: TOPIC, key: value, value })),
        );
        results.forEach((r, j) => {
          if (r.status === 'fulfilled') acked.set(batch[j]!, r.value);
          else failed++;
        });
        sent += batch.length;
        if (killDone) afterKill += batch.length;
        if (sent === 7_500) {
          killed = k.killBroker(victim, { signal: 'SIGKILL' }).then(() => {
            killDone = true;
          });
        }
      }
    } finally {
      await producer.close();
    }
    await killed;
    expect(failed).toBe(0);
    expect(acked.size).toBe(sent);
    const after = await k.waitForLeaders([{ name: TOPIC, partitions: 3 }], { liveBrokers: 2 });
    expect(after.get(`${TOPIC}/0`)).not.toBe(victim);
    let duplicates = 0;
    for (let p = 0; p < 3; p++) {
      const log = await k.fetch(TOPIC, p, 0n, 64 * 1024 * 1024);
      const byOffset = new Map(log.map((m) => [m.offset, m.value?.toString()]));
      const mine = [...acked].filter(([, m]) => m.partition === p);
      for (const [value, m] of mine) expect(byOffset.get(m.offset as bigint), value).toBe(value);
      duplicates += log.length - mine.length;
    }
    console.log(
      `[producer-failover] ${codec}: broker ${victim} killed after 7.5k of ${sent} records: all ${acked.size} ` +
        `acknowledged records present; ${duplicates} extra copies from retries`,
    );
  });
});

/*
 * The Producer at full speed through a leader's death: callbacks and sendBatch, a buffer.memory
 * small enough that sends queue behind it (checked only every 500 sends, so the loop overshoots
 * into the waiting queue), acks=-1, 3 brokers, replication 3. Every record must be answered once,
 * nothing acknowledged may be missing, and each partition must hold its acknowledged records in
 * the order they were sent (retries keep one request in flight per partition).
 */
const BACKPRESSURE_TOPIC = 'failover-backpressure';
const PARTITIONS = 3;
const KILL_AT = 20_000;
const AFTER_KILL = 20_000;
const CHECK_EVERY = 500;

describe('Producer under backpressure while a leader dies', () => {
  const cluster = ownCluster({
    version: '0.8.2.2',
    brokers: 3,
    topics: [{ name: BACKPRESSURE_TOPIC, partitions: PARTITIONS, replicationFactor: 3 }],
  });

  it('answers every send once, keeps each partition in send order and loses nothing acknowledged', async () => {
    const k = cluster.current;
    const victim = await leaderOfFirst(k, BACKPRESSURE_TOPIC, PARTITIONS);
    const producer = new Producer({
      bootstrapServers: k.brokers,
      ...THROUGH_FAILOVER,
      // About 300 pending 100-byte sends (3 KiB each are counted), so a round of 500 overshoots.
      bufferMemory: 1024 * 1024,
      maxBlockMs: 60_000,
    });
    // Per record, in send order: how often it was answered, and where it landed.
    const answers: number[] = [];
    const acked: (RecordMetadata | undefined)[] = [];
    const failures: unknown[] = [];
    const answer = (i: number, err: Error | null, m: RecordMetadata | undefined): void => {
      answers[i] = (answers[i] ?? 0) + 1;
      if (err !== null) failures.push(err);
      else acked[i] = m;
    };
    const value = (i: number): string => `rec-${i}-${'x'.repeat(80)}`;
    let maxWaiting = 0;
    let killed: Promise<void> | undefined;
    let killDone = false;
    let sent = 0;
    let sentAfterKill = 0;
    try {
      // Records keep coming through the kill and for AFTER_KILL more once the broker has left
      // ZooKeeper, so some meet the dead leader and some the election.
      while (sentAfterKill < AFTER_KILL) {
        const from = sent;
        const end = from + CHECK_EVERY;
        for (let i = from; i < end; i++) answers[i] = 0;
        // Every fifth round goes through sendBatch, the rest through send with a callback.
        if ((from / CHECK_EVERY) % 5 === 4) {
          const records = [];
          for (let i = from; i < end; i++)
            records.push({ topic: BACKPRESSURE_TOPIC, key: `k${i % 97}`, value: value(i) });
          producer.sendBatch(records).then(
            (ms) => {
              for (const [j, m] of ms.entries()) answer(from + j, null, m);
            },
            (err: Error) => {
              for (let i = from; i < end; i++) answer(i, err, undefined);
            },
          );
        } else {
          for (let i = from; i < end; i++) {
            producer.send({ topic: BACKPRESSURE_TOPIC, key: `k${i % 97}`, value: value(i) }, (err, m) =>
              answer(i, err, m),
            );
          }
        }
        sent = end;
        if (killDone) sentAfterKill += CHECK_EVERY;
        maxWaiting = Math.max(maxWaiting, producer.metrics().waitingSends);
        if (sent === KILL_AT) {
          killed = k.killBroker(victim, { signal: 'SIGKILL' }).then(() => {
            killDone = true;
          });
        }
        if (producer.bufferFull) await producer.waitForRoom();
        // A round that did not have to wait still lets the kill's promise settle.
        else await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await producer.flush();
    } finally {
      await producer.close();
    }
    await killed;
    const m = producer.metrics();
    expect(failures).toEqual([]);
    expect(answers.length).toBe(sent);
    expect(answers.every((n) => n === 1)).toBe(true);
    expect(m.waitingSends).toBe(0);
    expect(m.bufferedBytes).toBe(0);
    // The test is about sends waiting behind a full buffer and requests retried after the kill.
    expect(maxWaiting).toBeGreaterThan(0);
    expect(m.retries).toBeGreaterThan(0);

    const after = await k.waitForLeaders([{ name: BACKPRESSURE_TOPIC, partitions: PARTITIONS }], {
      liveBrokers: 2,
    });
    expect(after.get(`${BACKPRESSURE_TOPIC}/0`)).not.toBe(victim);
    let duplicates = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const log = await k.fetch(BACKPRESSURE_TOPIC, p, 0n, 64 * 1024 * 1024);
      const byOffset = new Map(log.map((r) => [r.offset, r.value?.toString()]));
      let last = -1n;
      let mine = 0;
      for (let i = 0; i < sent; i++) {
        const a = acked[i];
        if (a === undefined || a.partition !== p) continue;
        const offset = a.offset as bigint;
        expect(byOffset.get(offset), `record ${i}`).toBe(value(i));
        expect(offset > last, `record ${i} at ${offset} after ${last}`).toBe(true);
        last = offset;
        mine++;
      }
      duplicates += log.length - mine;
    }
    console.log(
      `[producer-failover-backpressure] broker ${victim} killed after ${KILL_AT} of ${sent} records: ` +
        `every send answered once, all acknowledged present in send order; at most ${maxWaiting} ` +
        `sends waited; ${m.retries} retries, ${duplicates} extra copies`,
    );
  });
});
