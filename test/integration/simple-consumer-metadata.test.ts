import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { EARLIEST_TIME, LATEST_TIME } from '../../src/protocol/offsets.js';
import type { KafkaVersion } from '../../src/rig/index.js';
import { BrokerPool } from '../../src/simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../../src/simple-consumer/cluster-metadata.js';
import { UnknownPartitionError } from '../../src/simple-consumer/errors.js';
import {
  earliestOffset,
  findLeader,
  latestOffset,
  offsetsBefore,
} from '../../src/simple-consumer/offsets-helpers.js';
import { SimpleConsumer } from '../../src/simple-consumer/simple-consumer.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { FakeBroker } from '../helpers/fake-broker.js';

const versions: KafkaVersion[] = ['0.8.2.2', '0.8.1.1'];
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

function consumerFor(version: KafkaVersion): SimpleConsumer {
  const k = sharedCluster(version);
  const b = k.brokerList[0];
  if (b === undefined) throw new Error(`shared ${version} cluster has no broker`);
  const c = new SimpleConsumer({
    host: b.host,
    port: b.port,
    soTimeoutMs: 10_000,
    bufferSize: 64 * 1024,
    clientId: 'sc-it',
    brokerVersion: version === '0.8.1.1' ? '0.8.1' : '0.8.2',
  });
  closers.push(() => c.close());
  return c;
}

function clusterFor(version: KafkaVersion): ClusterMetadata {
  const pool = new BrokerPool({ clientId: 'sc-it', requestTimeoutMs: 10_000 });
  closers.push(() => pool.close());
  return new ClusterMetadata({ seedBrokers: sharedCluster(version).brokers, pool, maxRetries: 25 });
}

/** An address where nothing listens. */
async function deadAddress(): Promise<{ host: string; port: number }> {
  const b = await FakeBroker.start();
  const addr = { host: b.host, port: b.port };
  await b.stop();
  return addr;
}

describe.each(versions)('SimpleConsumer metadata and offsets, Kafka %s', (version) => {
  it('describes an existing topic: every partition with the broker as leader', async () => {
    const k = sharedCluster(version);
    const topic = uniqueTopic('sc-meta');
    await k.createTopic({ name: topic, partitions: 3 });
    const resp = await consumerFor(version).send([topic]);
    const broker = k.brokerList[0]!;
    expect(resp.brokers).toEqual([{ nodeId: broker.id, host: broker.host, port: broker.port }]);
    expect(resp.topics).toHaveLength(1);
    const t = resp.topics[0]!;
    expect(t).toMatchObject({ topic, errorCode: ErrorCode.NONE });
    expect(t.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    for (const p of t.partitions) {
      expect(p).toMatchObject({ errorCode: 0, leader: broker.id, replicas: [broker.id], isr: [broker.id] });
    }
    const cm = clusterFor(version);
    expect(await cm.partitionsFor(topic)).toEqual([0, 1, 2]);
    await expect(cm.leaderFor(topic, 3)).rejects.toBeInstanceOf(UnknownPartitionError);
  });

  it('auto-creates a topic: LeaderNotAvailable with no partitions first, then a leader', async () => {
    const topic = uniqueTopic('sc-auto');
    const first = await consumerFor(version).send({ topics: [topic] });
    expect(first.topics).toEqual([{ topic, errorCode: ErrorCode.LEADER_NOT_AVAILABLE, partitions: [] }]);
    const cm = clusterFor(version);
    const leader = await cm.leaderFor(topic, 0);
    expect(leader.nodeId).toBe(sharedCluster(version).brokerList[0]!.id);
    expect(await cm.partitionsFor(topic)).toEqual([0]);
  });

  it('lists every topic for an empty topic list', async () => {
    const k = sharedCluster(version);
    const topic = uniqueTopic('sc-all');
    await k.createTopic({ name: topic, partitions: 1 });
    const resp = await consumerFor(version).send([]);
    expect(resp.topics.map((t) => t.topic)).toContain(topic);
  });

  it('answers earliest, latest and by-time offsets from the leader', async () => {
    const k = sharedCluster(version);
    const topic = uniqueTopic('sc-offsets');
    await k.createTopic({ name: topic, partitions: 2 });
    const beforeProduce = Date.now() - 60_000;
    await k.produce(
      topic,
      [0, 1, 2, 3, 4].map((i) => ({ partition: 0, value: `v${i}` })),
    );
    const c = consumerFor(version);
    expect(await c.earliestOffset(topic, 0)).toBe(0n);
    expect(await c.latestOffset(topic, 0)).toBe(5n);
    expect(await c.latestOffset(topic, 1)).toBe(0n);
    // By time: the (one) segment's base offset plus, for the active segment, the log end, newest first.
    const recent = await c.offsetsBefore(topic, 0, BigInt(Date.now() + 60_000), 10);
    expect(recent[0]).toBe(5n);
    expect(recent.at(-1)).toBe(0n);
    expect([...recent].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))).toEqual(recent);
    // Nothing was written before a minute ago.
    expect(await c.offsetsBefore(topic, 0, BigInt(beforeProduce), 10)).toEqual([]);
    // The raw Java-shaped call keeps the error code as a value.
    const raw = await c.getOffsetsBefore({
      topics: [{ topic, partitions: [{ partition: 9, timeMs: LATEST_TIME, maxNumberOfOffsets: 1 }] }],
    });
    expect(raw.topics[0]?.partitions[0]).toMatchObject({
      partition: 9,
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    });
    // Thrown with topic and partition by the helper.
    await expect(c.earliestOrLatestOffset(topic, 9, EARLIEST_TIME)).rejects.toMatchObject({
      code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      topic,
      partition: 9,
    });
    // Routed through cluster metadata to the leader.
    const cm = clusterFor(version);
    expect(await earliestOffset(cm, topic, 0)).toBe(0n);
    expect(await latestOffset(cm, topic, 0)).toBe(5n);
    expect((await offsetsBefore(cm, topic, 0, LATEST_TIME, 1))[0]).toBe(5n);
  });

  it('findLeader skips a dead first seed and returns leader and replicas', async () => {
    const k = sharedCluster(version);
    const topic = uniqueTopic('sc-find');
    await k.createTopic({ name: topic, partitions: 2 });
    const broker = k.brokerList[0]!;
    const dead = await deadAddress();
    const found = await findLeader([dead, { host: broker.host, port: broker.port }], topic, 1);
    const endpoint = { nodeId: broker.id, host: broker.host, port: broker.port };
    expect(found).toEqual({
      topic,
      partition: 1,
      leader: endpoint,
      replicas: [{ nodeId: broker.id, endpoint }],
      isr: [broker.id],
    });
    // The string form used by metadata.broker.list works too.
    const viaString = await findLeader(`${dead.host}:${dead.port},${k.brokers}`, topic, 0);
    expect(viaString.leader).toEqual(endpoint);
  });
});
