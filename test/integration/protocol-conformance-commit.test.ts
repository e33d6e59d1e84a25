/**
 * Real-broker conformance of offset storage: OffsetCommit/OffsetFetch v0 (ZooKeeper, both
 * versions, checked against the znode Kafka writes) and v1 through the coordinator found with
 * ConsumerMetadata (0.8.2 only).
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  BROKER_TIMESTAMP,
  type ConsumerMetadataResponse,
  committedOffset,
  consumerMetadataRequest,
  ErrorCode,
  offsetCommitRequest,
  offsetFetchRequest,
} from '../../src/protocol/index.js';
import type { KafkaVersion } from '../../src/rig/index.js';
import { BrokerConnection } from '../../src/simple-consumer/connection.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

const connections: BrokerConnection[] = [];
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
});

function connectTo(host: string, port: number): BrokerConnection {
  const c = new BrokerConnection({ host, port, clientId: 'kafka08-conformance' });
  connections.push(c);
  return c;
}

function connect(version: KafkaVersion): BrokerConnection {
  const [b] = sharedCluster(version).brokerList;
  if (!b) throw new Error(`shared ${version} cluster has no broker`);
  return connectTo(b.host, b.port);
}

describe.each(['0.8.2.2', '0.8.1.1'] as const)('Kafka %s: OffsetCommit / OffsetFetch v0', (version) => {
  it('commits to ZooKeeper, fetches it back, and reports nothing for an uncommitted partition', async () => {
    const k = sharedCluster(version);
    const topic = uniqueTopic('conf-commit-v0');
    const group = uniqueTopic('g0');
    await k.createTopic({ name: topic, partitions: 2 });
    const c = connect(version);

    const commit = await c.send(
      offsetCommitRequest({
        version: 0,
        consumerGroupId: group,
        topics: [{ topic, partitions: [{ partition: 0, offset: 12345678901n, metadata: '' }] }],
      }),
    );
    expect(commit).toEqual({
      topics: [{ topic, partitions: [{ partition: 0, errorCode: ErrorCode.NONE }] }],
    });

    const fetched = await c.send(
      offsetFetchRequest({ version: 0, consumerGroupId: group, topics: [{ topic, partitions: [0, 1] }] }),
    );
    const parts = fetched.topics[0]?.partitions ?? [];
    expect(parts.map((p) => p.partition)).toEqual([0, 1]);
    const [p0, p1] = parts;
    if (!p0 || !p1) throw new Error('two partitions expected');
    expect(committedOffset(0, p0)).toEqual({ kind: 'offset', offset: 12345678901n, metadata: '' });
    // v0's "nothing committed": offset -1 with UnknownTopicOrPartition.
    expect([p1.offset, p1.errorCode]).toEqual([-1n, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(committedOffset(0, p1)).toEqual({ kind: 'none' });

    expect(await k.zkGet(`/consumers/${group}/offsets/${topic}/0`)).toBe('12345678901');
    expect(await k.zkGet(`/consumers/${group}/offsets/${topic}/1`)).toBeNull();
  });
});

/** ConsumerMetadata answers 15 until __consumer_offsets exists and has a leader: retry, bounded. */
async function findCoordinator(c: BrokerConnection, group: string): Promise<ConsumerMetadataResponse> {
  const deadline = Date.now() + 60_000;
  const seen = new Set<number>();
  for (;;) {
    const r = await c.send(consumerMetadataRequest({ consumerGroup: group }));
    if (r.errorCode === ErrorCode.NONE) return r;
    seen.add(r.errorCode);
    if (r.errorCode !== ErrorCode.CONSUMER_COORDINATOR_NOT_AVAILABLE || Date.now() > deadline) {
      throw new Error(`no coordinator for ${group}: error codes seen ${[...seen].join(', ')}`);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
}

describe('Kafka 0.8.2.2: OffsetCommit / OffsetFetch v1 through the coordinator', () => {
  it('finds the coordinator, commits with metadata and broker time, fetches it back', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('conf-commit-v1');
    const group = uniqueTopic('g1');
    await k.createTopic({ name: topic, partitions: 2 });
    const coordinator = await findCoordinator(connect('0.8.2.2'), group);
    expect(k.brokerList.map((b) => [b.id, b.host, b.port])).toContainEqual([
      coordinator.coordinatorId,
      coordinator.coordinatorHost,
      coordinator.coordinatorPort,
    ]);
    const c = connectTo(coordinator.coordinatorHost, coordinator.coordinatorPort);

    // Right after __consumer_offsets is created the coordinator may still be loading it.
    const deadline = Date.now() + 60_000;
    let commitError: number;
    do {
      const commit = await c.send(
        offsetCommitRequest({
          version: 1,
          consumerGroupId: group,
          consumerGroupGenerationId: -1,
          consumerId: '',
          topics: [
            {
              topic,
              partitions: [{ partition: 0, offset: 42n, timestampMs: BROKER_TIMESTAMP, metadata: 'meta' }],
            },
          ],
        }),
      );
      commitError = commit.topics[0]?.partitions[0]?.errorCode ?? -999;
      if (commitError === ErrorCode.NONE) break;
      expect([ErrorCode.OFFSETS_LOAD_IN_PROGRESS, ErrorCode.CONSUMER_COORDINATOR_NOT_AVAILABLE]).toContain(
        commitError,
      );
      await new Promise((res) => setTimeout(res, 250));
    } while (Date.now() < deadline);
    expect(commitError).toBe(ErrorCode.NONE);

    const fetched = await c.send(
      offsetFetchRequest({ version: 1, consumerGroupId: group, topics: [{ topic, partitions: [0, 1] }] }),
    );
    const [p0, p1] = fetched.topics[0]?.partitions ?? [];
    if (!p0 || !p1) throw new Error('two partitions expected');
    expect(committedOffset(1, p0)).toEqual({ kind: 'offset', offset: 42n, metadata: 'meta' });
    // v1's "nothing committed": offset -1 with no error.
    expect([p1.offset, p1.errorCode]).toEqual([-1n, ErrorCode.NONE]);
    expect(committedOffset(1, p1)).toEqual({ kind: 'none' });
    // Kafka-stored offsets do not touch ZooKeeper.
    expect(await k.zkGet(`/consumers/${group}/offsets/${topic}/0`)).toBeNull();
  });
});
