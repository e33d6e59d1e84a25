import { errorForCode } from '../protocol/error-codes.js';
import { type MetadataResponse, metadataRequest } from '../protocol/metadata.js';
import { EARLIEST_TIME, LATEST_TIME, offsetsRequest } from '../protocol/offsets.js';
import type { KafkaRequest } from '../protocol/request.js';
import { BrokerPool } from '../simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../simple-consumer/cluster-metadata.js';
import type { BrokerConnection } from '../simple-consumer/connection.js';
import {
  type BrokerAddress,
  ConnectionClosedError,
  ConnectionError,
  MissingOffsetError,
  NoBrokerAvailableError,
  UnknownPartitionError,
  UnknownTopicError,
} from '../simple-consumer/errors.js';
import { parseSeedBrokers } from '../simple-consumer/seed-brokers.js';

export interface SessionOptions {
  /** Per-request timeout (default 10 000 ms). */
  requestTimeoutMs?: number;
}

/**
 * What one CLI invocation talks to the cluster with: a pool, a metadata cache, and helpers that
 * never auto-create a topic by naming it (reading commands must fail on a typo, not create it).
 */
export class CliSession {
  readonly pool: BrokerPool;
  readonly metadata: ClusterMetadata;
  readonly seeds: BrokerAddress[];

  constructor(brokers: string, options: SessionOptions = {}) {
    this.seeds = parseSeedBrokers(brokers);
    this.pool = new BrokerPool({
      clientId: 'kafka08-cli',
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      connectTimeoutMs: 5000,
      // A refused connection is reported at once; the CLI does not wait to reconnect.
      backoff: { baseMs: 50, maxMs: 500 },
    });
    // A leader election after a broker loss takes a while; wait for it up to ~5 s.
    this.metadata = new ClusterMetadata({
      seedBrokers: this.seeds,
      pool: this.pool,
      refreshBackoffMs: 250,
      maxRetries: 20,
    });
  }

  /** Sends a request to the first seed (or known broker) that answers. */
  async anyBroker<T>(request: KafkaRequest<T>): Promise<T> {
    const tried: BrokerAddress[] = [];
    const causes: unknown[] = [];
    const known = this.metadata.brokers();
    const targets: { address: BrokerAddress; conn: () => BrokerConnection }[] = [
      ...known.map((b) => ({ address: b, conn: () => this.pool.connectionFor(b) })),
      ...this.seeds.map((s) => ({ address: s, conn: () => this.pool.seedConnection(s) })),
    ];
    for (const t of targets) {
      tried.push(t.address);
      try {
        return await t.conn().send(request);
      } catch (err) {
        if (err instanceof ConnectionClosedError || !(err instanceof ConnectionError)) throw err;
        causes.push(err);
      }
    }
    throw new NoBrokerAvailableError(tried, causes);
  }

  /** Metadata of every topic (an empty topic list, which never auto-creates). */
  async allMetadata(): Promise<MetadataResponse> {
    return this.anyBroker(metadataRequest({ topics: [] }));
  }

  /**
   * The partitions of an existing topic (all, or the ones asked for, checked), sorted.
   * @throws UnknownTopicError, UnknownPartitionError
   */
  async existingPartitions(topic: string, wanted: readonly number[] = []): Promise<number[]> {
    const all = await this.allMetadata();
    const t = all.topics.find((x) => x.topic === topic);
    if (t === undefined) throw new UnknownTopicError(topic);
    const ids = t.partitions.map((p) => p.partition).sort((a, b) => a - b);
    for (const p of wanted) if (!ids.includes(p)) throw new UnknownPartitionError(topic, p, ids);
    return wanted.length > 0 ? [...new Set(wanted)].sort((a, b) => a - b) : ids;
  }

  /** Offsets v0 at the partition's leader: segment offsets at or before `timeMs`, newest first. */
  async offsetsBefore(topic: string, partition: number, timeMs: bigint, max = 1): Promise<bigint[]> {
    const { connection } = await this.metadata.leaderConnection(topic, partition);
    const resp = await connection.send(
      offsetsRequest({
        replicaId: -1,
        topics: [{ topic, partitions: [{ partition, timeMs, maxNumberOfOffsets: max }] }],
      }),
    );
    const p = resp.topics.find((x) => x.topic === topic)?.partitions.find((x) => x.partition === partition);
    if (p === undefined) throw new MissingOffsetError(topic, partition, timeMs);
    const error = errorForCode(p.errorCode, { topic, partition });
    if (error !== undefined) throw error;
    return p.offsets;
  }

  async earliest(topic: string, partition: number): Promise<bigint> {
    return this.single(topic, partition, EARLIEST_TIME);
  }

  /** The high watermark. */
  async latest(topic: string, partition: number): Promise<bigint> {
    return this.single(topic, partition, LATEST_TIME);
  }

  private async single(topic: string, partition: number, time: bigint): Promise<bigint> {
    const [o] = await this.offsetsBefore(topic, partition, time, 1);
    if (o === undefined) throw new MissingOffsetError(topic, partition, time);
    return o;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Runs `fn` with a session and always closes it (so the process can exit). */
export async function withSession<T>(
  brokers: string,
  fn: (s: CliSession) => Promise<T>,
  options?: SessionOptions,
): Promise<T> {
  const s = new CliSession(brokers, options);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}
