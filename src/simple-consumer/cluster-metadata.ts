import { setTimeout as sleepFor } from 'node:timers/promises';
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import { ProtocolDecodeError } from '../protocol/errors.js';
import { type MetadataResponse, metadataRequest, type PartitionMetadata } from '../protocol/metadata.js';
import type { BrokerPool, ConnectionPurpose } from './broker-pool.js';
import type { BrokerConnection } from './connection.js';
import {
  type BrokerAddress,
  ConnectionClosedError,
  ConnectionError,
  LeaderNotAvailableError,
  NoBrokerAvailableError,
  UnknownBrokerError,
  UnknownPartitionError,
  UnknownTopicError,
} from './errors.js';
import { addressKey, parseSeedBrokers, type SeedBrokers } from './seed-brokers.js';

export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  port: number;
}

/** One partition as the cluster last described it. */
export interface PartitionInfo {
  topic: string;
  partition: number;
  leader: BrokerEndpoint;
  /** Replica node ids, preferred leader first; brokers that are down may be missing (error 9). */
  replicas: number[];
  isr: number[];
}

export interface ClusterMetadataOptions {
  seedBrokers: SeedBrokers;
  pool: BrokerPool;
  /** Wait between metadata refreshes while a leader is missing (Kafka refresh.leader.backoff.ms, 200). */
  refreshBackoffMs?: number;
  /** Extra metadata requests made while a topic or partition has no leader (default 5). */
  maxRetries?: number;
  /** Waits out a backoff; a test seam (default a timer). */
  sleep?: (ms: number) => Promise<void>;
}

interface TopicState {
  /** Topic-level error of the last answer (0, 5 while being created, 3 unknown...). */
  errorCode: number;
  partitions: Map<number, PartitionMetadata>;
}

/**
 * The client's picture of the cluster: live brokers and, per topic, each partition's leader. It
 * is filled by Metadata requests, sent to any broker already known and then to the seeds, and
 * emptied selectively by {@link invalidate} when a broker says it is not the leader.
 *
 * Naming a topic in a Metadata request creates it when the broker has
 * `auto.create.topics.enable` (the 0.8 default): the first answer then carries
 * LeaderNotAvailable and no partitions, which {@link refresh} waits out with a bounded backoff.
 */
export class ClusterMetadata {
  readonly pool: BrokerPool;
  readonly seeds: readonly BrokerAddress[];
  readonly refreshBackoffMs: number;
  readonly maxRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly brokerById = new Map<number, BrokerEndpoint>();
  private readonly topics = new Map<string, TopicState>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private changeCount = 0;

  constructor(options: ClusterMetadataOptions) {
    this.pool = options.pool;
    this.seeds = parseSeedBrokers(options.seedBrokers);
    this.refreshBackoffMs = options.refreshBackoffMs ?? 200;
    this.maxRetries = options.maxRetries ?? 5;
    this.sleep = options.sleep ?? ((ms) => sleepFor(ms));
    if (!(this.refreshBackoffMs >= 0)) throw new RangeError('refreshBackoffMs must be >= 0');
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0) {
      throw new RangeError('maxRetries must be an integer >= 0');
    }
  }

  /**
   * Asks the cluster about `topics` (empty = every topic, which never auto-creates) and records
   * the answer. While a named topic answers LeaderNotAvailable at topic level (being created), it
   * asks again after `refreshBackoffMs`, at most `maxRetries` times; what is still missing after
   * that is left for {@link leaderFor} / {@link partitionsFor} to report. Concurrent calls for the
   * same topic list share one request.
   */
  refresh(topics: readonly string[]): Promise<void> {
    return this.shared('r', topics, (t) => this.refreshWithRetries(t));
  }

  /** One metadata request, shared with concurrent identical ones. */
  private refreshOnce(topics: readonly string[]): Promise<void> {
    return this.shared('1', topics, async (t) => this.record(await this.request(t)));
  }

  private shared(
    kind: string,
    topics: readonly string[],
    run: (t: string[]) => Promise<void>,
  ): Promise<void> {
    const unique = [...new Set(topics)];
    const key = `${kind}\u0000${[...unique].sort().join('\u0000')}`;
    let p = this.inFlight.get(key);
    if (p === undefined) {
      p = run(unique).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  /**
   * The current leader of a partition: from the cache, or after a refresh when unknown (or when
   * `refresh: true`). While there is no leader it asks again after `refreshBackoffMs`, making
   * at most `maxRetries + 1` metadata requests in all.
   *
   * @throws UnknownTopicError, UnknownPartitionError, LeaderNotAvailableError,
   *   NoBrokerAvailableError, or KafkaProtocolError for any other topic-level error.
   */
  async leaderFor(
    topic: string,
    partition: number,
    opts: { refresh?: boolean } = {},
  ): Promise<BrokerEndpoint> {
    return (await this.partition(topic, partition, opts)).leader;
  }

  /** Like {@link leaderFor}, with replicas and ISR (for `findLeader`). */
  async partition(
    topic: string,
    partition: number,
    opts: { refresh?: boolean } = {},
  ): Promise<PartitionInfo> {
    let attempts = 0;
    if (opts.refresh === true) {
      await this.refreshOnce([topic]);
      attempts++;
    }
    for (;;) {
      const state = this.topics.get(topic);
      // A cached error may be stale (the topic was created since): only a fresh answer throws.
      if (state !== undefined && (attempts > 0 || state.errorCode === ErrorCode.NONE)) {
        this.throwForTopic(topic, state);
        const p = state.partitions.get(partition);
        if (p === undefined && state.errorCode === ErrorCode.NONE && attempts > 0) {
          throw new UnknownPartitionError(topic, partition, sortedIds(state));
        }
        const leader = p === undefined ? undefined : this.usableLeader(p);
        if (p !== undefined && leader !== undefined) {
          return { topic, partition, leader, replicas: [...p.replicas], isr: [...p.isr] };
        }
      }
      if (attempts > this.maxRetries) throw new LeaderNotAvailableError(topic, partition, attempts);
      if (attempts > 0) await this.sleep(this.refreshBackoffMs);
      await this.refreshOnce([topic]);
      attempts++;
    }
  }

  /** The topic's partition ids, sorted. Refreshes when the topic is not cached. */
  async partitionsFor(topic: string): Promise<number[]> {
    let state = this.topics.get(topic);
    if (state === undefined || state.errorCode !== ErrorCode.NONE) {
      await this.refresh([topic]);
      state = this.topics.get(topic);
    }
    if (state === undefined || (state.errorCode !== ErrorCode.NONE && state.partitions.size === 0)) {
      if (state !== undefined) this.throwForTopic(topic, state);
      throw new LeaderNotAvailableError(topic, undefined, this.maxRetries + 1);
    }
    this.throwForTopic(topic, state);
    return sortedIds(state);
  }

  /**
   * Forgets what is known about a partition's leader (or the whole topic), so the next
   * {@link leaderFor} asks the cluster. Call it after NotLeaderForPartition, UnknownTopicOrPartition
   * or a connection failure to the leader.
   */
  invalidate(topic: string, partition?: number): void {
    this.changeCount++;
    if (partition === undefined) {
      this.topics.delete(topic);
      return;
    }
    const p = this.topics.get(topic)?.partitions.get(partition);
    if (p !== undefined) p.leader = -1;
  }

  /**
   * Grows whenever what {@link leaderId} says may have changed (an answer recorded, a leader
   * forgotten), so a cache derived from it knows when to look again without a clock.
   */
  get changes(): number {
    return this.changeCount;
  }

  /** Live brokers as last reported, by node id. */
  brokers(): BrokerEndpoint[] {
    return [...this.brokerById.values()].sort((a, b) => a.nodeId - b.nodeId).map((b) => ({ ...b }));
  }

  /** Whether the last answers named this topic (an all-topics refresh lists every one). */
  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** The cached leader's node id, without any request; undefined when unknown or leaderless. */
  leaderId(topic: string, partition: number): number | undefined {
    const p = this.topics.get(topic)?.partitions.get(partition);
    return p === undefined ? undefined : this.usableLeader(p)?.nodeId;
  }

  /** A broker from the last metadata answer. */
  broker(nodeId: number): BrokerEndpoint | undefined {
    const b = this.brokerById.get(nodeId);
    return b === undefined ? undefined : { ...b };
  }

  /**
   * The pooled connection to a broker by node id: its fetch connection, or the control one
   * (default) for every other request (see {@link ConnectionPurpose}).
   * @throws UnknownBrokerError when the last metadata answer did not list that node.
   */
  connection(nodeId: number, purpose: ConnectionPurpose = 'control'): BrokerConnection {
    const b = this.brokerById.get(nodeId);
    if (b === undefined) throw new UnknownBrokerError(nodeId);
    return this.pool.connectionFor(b, purpose);
  }

  /** The pooled control connection to a partition's leader (see {@link leaderFor}). */
  async leaderConnection(
    topic: string,
    partition: number,
    opts: { refresh?: boolean } = {},
  ): Promise<{ leader: BrokerEndpoint; connection: BrokerConnection }> {
    const leader = await this.leaderFor(topic, partition, opts);
    return { leader, connection: this.pool.connectionFor(leader) };
  }

  private usableLeader(p: PartitionMetadata): BrokerEndpoint | undefined {
    if (p.leader < 0) return undefined;
    return this.brokerById.get(p.leader);
  }

  private throwForTopic(topic: string, state: TopicState): void {
    switch (state.errorCode) {
      case ErrorCode.NONE:
      case ErrorCode.LEADER_NOT_AVAILABLE:
        return;
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
        throw new UnknownTopicError(topic);
      default:
        throw new KafkaProtocolError(state.errorCode, { topic });
    }
  }

  private async refreshWithRetries(topics: string[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const resp = await this.request(topics);
      this.record(resp);
      const pending = topics.filter((t) => {
        const s = this.topics.get(t);
        return s === undefined || (s.errorCode === ErrorCode.LEADER_NOT_AVAILABLE && s.partitions.size === 0);
      });
      if (pending.length === 0 || attempt >= this.maxRetries) return;
      await this.sleep(this.refreshBackoffMs);
    }
  }

  /** Known brokers first (they are the live cluster), then the seeds, each address once. */
  private candidates(): { address: BrokerAddress; connection: () => BrokerConnection }[] {
    const seen = new Set<string>();
    const out: { address: BrokerAddress; connection: () => BrokerConnection }[] = [];
    for (const b of this.brokerById.values()) {
      seen.add(addressKey(b));
      out.push({ address: b, connection: () => this.pool.connectionFor(b) });
    }
    for (const s of this.seeds) {
      if (seen.has(addressKey(s))) continue;
      seen.add(addressKey(s));
      out.push({ address: s, connection: () => this.pool.seedConnection(s) });
    }
    return out;
  }

  private async request(topics: string[]): Promise<MetadataResponse> {
    const tried: BrokerAddress[] = [];
    const causes: unknown[] = [];
    for (const c of this.candidates()) {
      tried.push({ host: c.address.host, port: c.address.port });
      try {
        return await c.connection().send(metadataRequest({ topics }));
      } catch (err) {
        // The pool was closed under us: trying the next broker would fail the same way.
        if (err instanceof ConnectionClosedError) throw err;
        // A decode failure means that broker sent garbage: another broker may do better.
        if (!(err instanceof ConnectionError) && !(err instanceof ProtocolDecodeError)) throw err;
        causes.push(err);
      }
    }
    const topic = topics.length === 1 ? topics[0] : undefined;
    throw new NoBrokerAvailableError(tried, causes, topic === undefined ? {} : { topic });
  }

  private record(resp: MetadataResponse): void {
    this.changeCount++;
    // A 0.8.2 answer lists every live broker: replacing drops dead ones, so they are not tried
    // first next time. (Older brokers list only the topics' replicas; a leader missing from the
    // map just causes one more refresh, whose answer then names it.)
    if (resp.brokers.length > 0) this.brokerById.clear();
    for (const b of resp.brokers) {
      this.brokerById.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port });
    }
    for (const t of resp.topics) {
      const partitions = new Map<number, PartitionMetadata>();
      for (const p of t.partitions) partitions.set(p.partition, { ...p });
      this.topics.set(t.topic, { errorCode: t.errorCode, partitions });
    }
  }
}

function sortedIds(state: TopicState): number[] {
  return [...state.partitions.keys()].sort((a, b) => a - b);
}
