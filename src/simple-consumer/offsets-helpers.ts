import { setTimeout as sleepFor } from 'node:timers/promises';
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import { EARLIEST_TIME, LATEST_TIME, offsetsRequest } from '../protocol/offsets.js';
import { BrokerPool } from './broker-pool.js';
import { type BrokerEndpoint, ClusterMetadata } from './cluster-metadata.js';
import { ConnectionClosedError, ConnectionError, MissingOffsetError } from './errors.js';
import type { SeedBrokers } from './seed-brokers.js';

export interface FindLeaderOptions {
  clientId?: string;
  /** Per-request timeout (default 10 000 ms). */
  requestTimeoutMs?: number;
  /** Metadata requests made while the partition has no leader, beyond the first (default 5). */
  maxRetries?: number;
  refreshBackoffMs?: number;
}

export interface PartitionLeader {
  topic: string;
  partition: number;
  leader: BrokerEndpoint;
  /** Replicas the cluster listed, preferred leader first, with addresses where the broker is live. */
  replicas: { nodeId: number; endpoint: BrokerEndpoint | undefined }[];
  isr: number[];
}

/**
 * What every SimpleConsumer user writes first: ask the seeds, one after another, who leads a
 * partition. A seed that is down is skipped. Throws UnknownTopicError, UnknownPartitionError,
 * LeaderNotAvailableError or NoBrokerAvailableError (all carrying the topic).
 */
export async function findLeader(
  seedBrokers: SeedBrokers,
  topic: string,
  partition: number,
  options: FindLeaderOptions = {},
): Promise<PartitionLeader> {
  const pool = new BrokerPool({
    clientId: options.clientId ?? '',
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
  });
  try {
    const cluster = new ClusterMetadata({
      seedBrokers,
      pool,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
      ...(options.refreshBackoffMs === undefined ? {} : { refreshBackoffMs: options.refreshBackoffMs }),
    });
    const info = await cluster.partition(topic, partition);
    return {
      topic,
      partition,
      leader: info.leader,
      replicas: info.replicas.map((nodeId) => ({ nodeId, endpoint: cluster.broker(nodeId) })),
      isr: info.isr,
    };
  } finally {
    await pool.close();
  }
}

/** Errors after which the leader is looked up again and the request retried. */
const LEADER_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_FOR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

/**
 * Offsets v0 for one partition, sent to its current leader through `cluster`'s pool. On
 * NotLeaderForPartition, LeaderNotAvailable, UnknownTopicOrPartition, KafkaStorageError (newer
 * brokers) or a broken connection it forgets the leader, waits `cluster.refreshBackoffMs` and
 * tries again, at most `cluster.maxRetries` more times; then the last error is thrown
 * (KafkaProtocolError carrying topic/partition, or the ConnectionError).
 */
export async function offsetsBefore(
  cluster: ClusterMetadata,
  topic: string,
  partition: number,
  timeMs: bigint,
  maxNumberOfOffsets: number,
): Promise<bigint[]> {
  for (let attempt = 0; ; attempt++) {
    let failure: unknown;
    try {
      const { connection } = await cluster.leaderConnection(topic, partition);
      const resp = await connection.send(
        offsetsRequest({ topics: [{ topic, partitions: [{ partition, timeMs, maxNumberOfOffsets }] }] }),
      );
      const p = resp.topics.find((t) => t.topic === topic)?.partitions.find((x) => x.partition === partition);
      if (p === undefined) throw new MissingOffsetError(topic, partition, timeMs);
      if (p.errorCode === ErrorCode.NONE) return p.offsets;
      failure = new KafkaProtocolError(p.errorCode, { topic, partition });
      if (!LEADER_ERRORS.has(p.errorCode)) throw failure;
    } catch (err) {
      if (!(err instanceof ConnectionError) || err instanceof ConnectionClosedError) throw err;
      failure = err;
    }
    if (attempt >= cluster.maxRetries) throw failure;
    cluster.invalidate(topic, partition);
    await sleepFor(cluster.refreshBackoffMs);
  }
}

async function single(
  cluster: ClusterMetadata,
  topic: string,
  partition: number,
  timeMs: bigint,
): Promise<bigint> {
  const [offset] = await offsetsBefore(cluster, topic, partition, timeMs, 1);
  if (offset === undefined) throw new MissingOffsetError(topic, partition, timeMs);
  return offset;
}

/** The log start offset of a partition (Offsets v0, time -2, Max 1, sent to the leader). */
export function earliestOffset(cluster: ClusterMetadata, topic: string, partition: number): Promise<bigint> {
  return single(cluster, topic, partition, EARLIEST_TIME);
}

/** The high watermark, i.e. the next offset to be written (Offsets v0, time -1, Max 1). */
export function latestOffset(cluster: ClusterMetadata, topic: string, partition: number): Promise<bigint> {
  return single(cluster, topic, partition, LATEST_TIME);
}
