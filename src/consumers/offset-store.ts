import { setTimeout as sleep } from 'node:timers/promises';
import { consumerMetadataRequest } from '../protocol/consumer-metadata.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Kafka08Error } from '../protocol/errors.js';
import { BROKER_TIMESTAMP, offsetCommitRequest } from '../protocol/offset-commit.js';
import { committedOffset, type OffsetFetchResponse, offsetFetchRequest } from '../protocol/offset-fetch.js';
import type { KafkaRequest } from '../protocol/request.js';
import { Backoff } from '../simple-consumer/backoff.js';
import { checkBrokerSupports } from '../simple-consumer/broker-version.js';
import type { ClusterMetadata } from '../simple-consumer/cluster-metadata.js';
import type { BrokerConnection } from '../simple-consumer/connection.js';
import {
  ConnectionClosedError,
  ConnectionError,
  type KafkaBrokerGeneration,
} from '../simple-consumer/errors.js';
import type { TopicPartition } from '../simple-consumer/fetch-engine/index.js';
import { partitionKey } from './checkpoint-state.js';
import { OffsetStoreError } from './errors.js';

export interface CommittedPosition extends TopicPartition {
  /** The next offset to read (Kafka's convention). */
  offset: bigint;
}

/** Where a group's offsets live. Offsets in and out are always "next offset to read". */
export interface OffsetStore {
  readonly kind: 'zookeeper' | 'kafka';
  /** Committed offsets by `partitionKey`; partitions with nothing committed are absent. */
  fetch(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>>;
  commit(offsets: readonly CommittedPosition[]): Promise<void>;
}

interface StoreContext {
  cluster: ClusterMetadata;
  groupId: string;
  brokerVersion: KafkaBrokerGeneration;
  timeoutMs: number;
  signal: AbortSignal;
}

function byTopic<T extends TopicPartition>(list: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const p of list) {
    const l = m.get(p.topic);
    if (l === undefined) m.set(p.topic, [p]);
    else l.push(p);
  }
  return m;
}

/** Sends to any live broker, trying the next on a transport failure. */
async function sendToAnyBroker<T>(
  ctx: StoreContext,
  store: 'zookeeper' | 'kafka',
  request: KafkaRequest<T>,
): Promise<T> {
  checkBrokerSupports(request, ctx.brokerVersion);
  if (ctx.cluster.brokers().length === 0) await ctx.cluster.refresh([]);
  const causes: unknown[] = [];
  for (const b of ctx.cluster.brokers()) {
    try {
      return await ctx.cluster.pool
        .connectionFor(b)
        .send(request, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    } catch (err) {
      if (err instanceof ConnectionClosedError || !(err instanceof ConnectionError)) throw err;
      causes.push(err);
    }
  }
  // The broker list may be stale (a broker moved or died): one refresh, then give up.
  await ctx.cluster.refresh([]);
  const first = ctx.cluster.brokers()[0];
  if (first === undefined)
    throw new OffsetStoreError(store, 'no broker is reachable', {}, new AggregateError(causes));
  return ctx.cluster.pool
    .connectionFor(first)
    .send(request, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
}

/**
 * The committed offsets an OffsetFetch answer holds for `partitions` (plus `shift`, for the legacy
 * convention); partitions with nothing committed are absent, a partition error throws.
 */
function committedOffsets(
  store: 'zookeeper' | 'kafka',
  resp: OffsetFetchResponse,
  partitions: readonly TopicPartition[],
  version: 0 | 1,
  shift: bigint,
): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [key, c] of answers(resp, partitions, version)) {
    if (c.kind === 'none') continue;
    if (c.kind === 'error') {
      const [topic, partition] = splitKey(partitions, key);
      throw new OffsetStoreError(store, `OffsetFetch v${version} failed with error ${c.errorCode}`, {
        topic,
        partition,
        code: c.errorCode,
      });
    }
    out.set(key, c.offset + shift);
  }
  return out;
}

/**
 * ZooKeeper offsets at `/consumers/<group>/offsets/<topic>/<partition>`, through the broker:
 * OffsetCommit v0 / OffsetFetch v0 make any 0.8.1 or 0.8.2 broker write and read exactly that
 * znode (decimal next offset, persistent, parents created). This keeps ZooKeeper the only
 * coordination point without a ZooKeeper client in Node; `zookeeper.connect` is still
 * validated and kept for the group consumer's client to come.
 */
export class ZooKeeperOffsetStore implements OffsetStore {
  readonly kind = 'zookeeper';
  private readonly ctx: StoreContext;
  private readonly legacy: boolean;

  /** `readLegacyOffsets`: the znodes hold Flink 0.9/0.10's last processed offset (read + 1). */
  constructor(ctx: StoreContext, options: { readLegacyOffsets?: boolean } = {}) {
    this.ctx = ctx;
    this.legacy = options.readLegacyOffsets ?? false;
  }

  async fetch(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    if (partitions.length === 0) return new Map();
    const topics = [...byTopic(partitions)].map(([topic, l]) => ({
      topic,
      partitions: l.map((p) => p.partition),
    }));
    const resp = await sendToAnyBroker(
      this.ctx,
      'zookeeper',
      offsetFetchRequest({ version: 0, consumerGroupId: this.ctx.groupId, topics }),
    );
    return committedOffsets('zookeeper', resp, partitions, 0, this.legacy ? 1n : 0n);
  }

  async commit(offsets: readonly CommittedPosition[]): Promise<void> {
    if (offsets.length === 0) return;
    const topics = [...byTopic(offsets)].map(([topic, l]) => ({
      topic,
      partitions: l.map((p) => ({ partition: p.partition, offset: p.offset, metadata: '' })),
    }));
    const resp = await sendToAnyBroker(
      this.ctx,
      'zookeeper',
      offsetCommitRequest({ version: 0, consumerGroupId: this.ctx.groupId, topics }),
    );
    checkCommit('zookeeper', resp, offsets);
  }
}

type Answer = ReturnType<typeof committedOffset>;

function answers(
  resp: OffsetFetchResponse,
  asked: readonly TopicPartition[],
  version: 0 | 1,
): Map<string, Answer> {
  const out = new Map<string, Answer>();
  for (const t of resp.topics)
    for (const p of t.partitions) out.set(partitionKey(t.topic, p.partition), committedOffset(version, p));
  for (const p of asked) {
    const k = partitionKey(p.topic, p.partition);
    if (!out.has(k)) out.set(k, { kind: 'error', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
  }
  return out;
}

function splitKey(list: readonly TopicPartition[], key: string): [string | undefined, number | undefined] {
  const p = list.find((x) => partitionKey(x.topic, x.partition) === key);
  return [p?.topic, p?.partition];
}

function checkCommit(
  store: 'zookeeper' | 'kafka',
  resp: { topics: { topic: string; partitions: { partition: number; errorCode: number }[] }[] },
  offsets: readonly CommittedPosition[],
): void {
  const codes = new Map<string, number>();
  for (const t of resp.topics)
    for (const p of t.partitions) codes.set(partitionKey(t.topic, p.partition), p.errorCode);
  for (const o of offsets) {
    const code = codes.get(partitionKey(o.topic, o.partition));
    if (code === ErrorCode.NONE) continue;
    throw new OffsetStoreError(
      store,
      code === undefined
        ? 'the broker did not answer for this partition'
        : `OffsetCommit failed with error ${code}`,
      { topic: o.topic, partition: o.partition, offset: o.offset, ...(code === undefined ? {} : { code }) },
    );
  }
}

/** Errors after which the coordinator must be looked up again (after a backoff). */
const COORDINATOR_CODES: ReadonlySet<number> = new Set([
  ErrorCode.OFFSETS_LOAD_IN_PROGRESS,
  ErrorCode.CONSUMER_COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR_FOR_CONSUMER,
]);

class RetryCoordinator extends Kafka08Error {
  readonly code: number | undefined;
  constructor(code: number | undefined, cause?: unknown) {
    super(`coordinator not usable (${code ?? 'transport'})`, {}, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

/**
 * Kafka-stored offsets (0.8.2): OffsetCommit / OffsetFetch v1 to the group's coordinator, found
 * with ConsumerMetadata. Coordinator errors (14, 15, 16) and a lost coordinator connection are
 * retried with a backoff, a bounded number of times.
 */
export class KafkaOffsetStore implements OffsetStore {
  readonly kind = 'kafka';
  private readonly ctx: StoreContext;
  private coordinator: BrokerConnection | undefined;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;

  constructor(ctx: StoreContext, options: { maxAttempts?: number; backoffMs?: number } = {}) {
    this.ctx = ctx;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.backoffMs = options.backoffMs ?? 200;
  }

  async fetch(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    if (partitions.length === 0) return new Map();
    const topics = [...byTopic(partitions)].map(([topic, l]) => ({
      topic,
      partitions: l.map((p) => p.partition),
    }));
    const resp = await this.withCoordinator(async (conn) => {
      const r = await conn.send(
        offsetFetchRequest({ version: 1, consumerGroupId: this.ctx.groupId, topics }),
        this.sendOptions(),
      );
      for (const t of r.topics)
        for (const p of t.partitions)
          if (COORDINATOR_CODES.has(p.errorCode)) throw new RetryCoordinator(p.errorCode);
      return r;
    });
    return committedOffsets('kafka', resp, partitions, 1, 0n);
  }

  async commit(offsets: readonly CommittedPosition[]): Promise<void> {
    if (offsets.length === 0) return;
    const topics = [...byTopic(offsets)].map(([topic, l]) => ({
      topic,
      partitions: l.map((p) => ({
        partition: p.partition,
        offset: p.offset,
        timestampMs: BROKER_TIMESTAMP,
        metadata: '',
      })),
    }));
    const resp = await this.withCoordinator(async (conn) => {
      const r = await conn.send(
        offsetCommitRequest({
          version: 1,
          consumerGroupId: this.ctx.groupId,
          consumerGroupGenerationId: -1,
          consumerId: '',
          topics,
        }),
        this.sendOptions(),
      );
      for (const t of r.topics)
        for (const p of t.partitions)
          if (COORDINATOR_CODES.has(p.errorCode)) throw new RetryCoordinator(p.errorCode);
      return r;
    });
    checkCommit('kafka', resp, offsets);
  }

  private sendOptions(): { timeoutMs: number; signal: AbortSignal } {
    return { timeoutMs: this.ctx.timeoutMs, signal: this.ctx.signal };
  }

  private async withCoordinator<T>(run: (conn: BrokerConnection) => Promise<T>): Promise<T> {
    checkBrokerSupports(
      offsetCommitRequest({
        version: 1,
        consumerGroupId: '',
        consumerGroupGenerationId: -1,
        consumerId: '',
        topics: [],
      }),
      this.ctx.brokerVersion,
    );
    const backoff = new Backoff({
      baseMs: this.backoffMs,
      maxMs: Math.max(this.backoffMs, 2000),
      jitter: 'full',
    });
    let last: unknown;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) await sleep(backoff.next(), undefined, { signal: this.ctx.signal });
      try {
        this.coordinator ??= await this.findCoordinator();
        return await run(this.coordinator);
      } catch (err) {
        if (err instanceof ConnectionClosedError || this.ctx.signal.aborted) throw err;
        if (!(err instanceof RetryCoordinator) && !(err instanceof ConnectionError)) throw err;
        this.coordinator = undefined;
        last = err;
      }
    }
    const code = last instanceof RetryCoordinator ? last.code : undefined;
    throw new OffsetStoreError(
      'kafka',
      `no usable coordinator for group ${this.ctx.groupId} after ${this.maxAttempts} attempts`,
      code === undefined ? {} : { code },
      last,
    );
  }

  private async findCoordinator(): Promise<BrokerConnection> {
    const r = await sendToAnyBroker(
      this.ctx,
      'kafka',
      consumerMetadataRequest({ consumerGroup: this.ctx.groupId }),
    );
    if (r.errorCode !== ErrorCode.NONE) throw new RetryCoordinator(r.errorCode);
    return this.ctx.cluster.pool.connectionFor({
      nodeId: r.coordinatorId,
      host: r.coordinatorHost,
      port: r.coordinatorPort,
    });
  }
}

/**
 * `offsets.storage=kafka` with `dual.commit.enabled`: commits go to both; the committed offset
 * is the larger of the two, as Kafka 0.8.2's consumer does while a group migrates.
 */
export class DualOffsetStore implements OffsetStore {
  readonly kind = 'kafka';
  constructor(
    private readonly kafka: OffsetStore,
    private readonly zookeeper: OffsetStore,
  ) {}

  async fetch(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    const [k, z] = await Promise.all([this.kafka.fetch(partitions), this.zookeeper.fetch(partitions)]);
    for (const [key, v] of z) {
      const kv = k.get(key);
      if (kv === undefined || v > kv) k.set(key, v);
    }
    return k;
  }

  async commit(offsets: readonly CommittedPosition[]): Promise<void> {
    await this.kafka.commit(offsets);
    await this.zookeeper.commit(offsets);
  }
}

export type { StoreContext };
