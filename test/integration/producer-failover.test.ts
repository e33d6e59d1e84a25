/**
 * acks=-1 on a 3-broker 0.8.2.2 cluster with replication 3: the leader of a partition is killed
 * (SIGKILL) while records stream in. Every record the Producer acknowledged must be in the log
 * afterwards, at the offset it was acknowledged with.
 */
import { describe, expect, it } from 'vitest';
import { Producer, type RecordMetadata } from '../../src/producer/index.js';
import { ownCluster } from '../helpers/cluster.js';

const TOPIC = 'failover';

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
    const leaders = await k.waitForLeaders([{ name: TOPIC, partitions: 3 }]);
    const victim = leaders.get(`${TOPIC}/0`);
    if (victim === undefined) throw new Error('no leader for partition 0');
    const producer = new Producer({
      bootstrapServers: k.brokers,
      acks: -1,
      retries: 60,
      retryBackoffMs: 250,
      lingerMs: 2,
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
