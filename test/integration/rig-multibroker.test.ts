import { describe, expect, it } from 'vitest';
import { ownCluster, uniqueTopic } from '../helpers/cluster.js';
import { kcatReadPartition } from '../helpers/cluster-kcat.js';

describe('3-broker 0.8.2.2 cluster', () => {
  const cluster = ownCluster({ version: '0.8.2.2', brokers: 3 });

  it('moves a leader away from a killed broker and gives it back after restart', async () => {
    const k = cluster.current;
    expect(await k.liveBrokerIds()).toEqual([0, 1, 2]);
    const topic = uniqueTopic('failover');
    await k.createTopic({ name: topic, partitions: 3, replicationFactor: 3 });
    const before = await k.waitForLeaders([{ name: topic, partitions: 3 }]);
    const victim = before.get(`${topic}/0`);
    if (victim === undefined) throw new Error('no leader for partition 0');

    await k.killBroker(victim);
    expect(await k.liveBrokerIds()).not.toContain(victim);
    const during = await k.waitForLeaders([{ name: topic, partitions: 3 }], { liveBrokers: 2 });
    expect(during.get(`${topic}/0`)).not.toBe(victim);
    // Still writable and readable through the new leader with the broker down.
    await k.produce(topic, [{ partition: 0, key: 'k', value: 'while-down' }]);

    await k.restartBroker(victim);
    expect(await k.liveBrokerIds()).toEqual([0, 1, 2]);
    // The preferred replica takes its leadership back (auto.leader.rebalance, 5 s checks).
    const deadline = Date.now() + 60_000;
    let after = await k.waitForLeaders([{ name: topic, partitions: 3 }], { liveBrokers: 3 });
    while (after.get(`${topic}/0`) !== victim && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      after = await k.waitForLeaders([{ name: topic, partitions: 3 }], { liveBrokers: 3 });
    }
    expect(after.get(`${topic}/0`)).toBe(victim);
    await k.produce(topic, [{ partition: 0, key: 'k', value: 'after-restart' }]);
    const read = await kcatReadPartition(k, topic, 0);
    expect(read.map((m) => m.payload)).toEqual(['while-down', 'after-restart']);
  });
});
