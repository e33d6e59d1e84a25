import { closeOnAbort } from '../simple-consumer/abort.js';
import { BrokerPool } from '../simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../simple-consumer/cluster-metadata.js';
import type { KafkaBrokerGeneration } from '../simple-consumer/errors.js';
import {
  FetchEngine,
  FetchEngineClosedError,
  type FetchEngineEvents,
  type TopicPartition,
} from '../simple-consumer/fetch-engine/index.js';
import type { ListenerErrorEvent } from '../simple-consumer/guarded-emit.js';
import { assignPartitions } from './assignment.js';
import {
  type CheckpointPosition,
  type ConsumerCheckpointState,
  decodeState,
  encodeState,
  PendingCheckpoints,
  partitionKey,
} from './checkpoint-state.js';
import {
  type ConsumerConfig,
  type ConsumerProperties,
  fetchEngineOptions,
  resolveConsumerConfig,
  subscribedTopics,
} from './config.js';
import { relayEngineEvents } from './engine-events.js';
import { ConsumerClosedError, ConsumerConfigError, InvalidStateError } from './errors.js';
import { type ConsumerMetrics, observedConnections } from './observability.js';
import { type CommittedPosition, createOffsetStore, OffsetCommitter } from './offset-committer.js';
import { discoverPartitions } from './partition-discovery.js';
import { type PartitionPosition, RecordReader } from './record-reader.js';
import { RecordSource } from './record-source.js';
import type { AnySchema } from './schemas.js';
import { needsCommittedOffsets, resolveStartPosition } from './start-position.js';
import { SubtaskClaim } from './subtask-claim.js';

/** What a policy class pins down. */
export interface ConsumerPolicy {
  /** Requests the brokers may be sent: '0.8.1' never gets a 0.8.2-only request. */
  brokerVersion: KafkaBrokerGeneration;
  /** For messages and the default client id. */
  name: string;
}

export interface ConsumerEvents {
  'leader-change': FetchEngineEvents['leader-change'];
  'offset-reset': FetchEngineEvents['offset-reset'];
  'fetch-size-grown': FetchEngineEvents['fetch-size-grown'];
  /** The leader keeps answering nothing below its high watermark: no progress (a damaged log). */
  'partition-stalled': FetchEngineEvents['partition-stalled'];
  /** A retriable failure handled inside (reported so nothing retries silently). */
  'retriable-error': FetchEngineEvents['error'];
  /** A periodic or final commit failed (checkpoint commits reject their promise instead). */
  'commit-failed': [Error];
  /** A partition met its end-of-stream element and stopped before it. */
  'partition-end': [TopicPartition & { offset: bigint }];
  /** A listener of one of these events threw; the consumer went on. */
  'listener-error': [ListenerErrorEvent];
  /** Every `metrics.interval.ms`, when set. */
  metrics: [ConsumerMetrics];
}

type Phase = 'created' | 'starting' | 'running' | 'finished' | 'closed';

/**
 * The shared machinery of the checkpointed consumers: partition discovery and deterministic
 * assignment, start positions, the fetch engine, record hand-out with atomic position updates,
 * checkpoint snapshots and commits, and the three consumption surfaces (async iterator, Node
 * Readable, batches). Policy classes only pin the broker generation and the commit policy.
 */
export class KafkaConsumerBase<T> extends RecordSource<T> {
  readonly config: ConsumerConfig;
  readonly topics: readonly string[];
  readonly policy: ConsumerPolicy;
  private readonly pool: BrokerPool;
  private readonly cluster: ClusterMetadata;
  private readonly lifecycle = new AbortController();
  private readonly committer: OffsetCommitter;
  private readonly positions = new Map<string, PartitionPosition>();
  private readonly pending = new PendingCheckpoints<CommittedPosition[]>();
  private readonly ended = new Set<string>();
  /** Partitions whose position is still symbolic (earliest / latest), by partitionKey. */
  private readonly unresolved = new Set<string>();
  /** Ends the wait of `start()` once `unresolved` is empty. */
  private allResolved: (() => void) | undefined;
  protected readonly reader: RecordReader<T>;
  private engine: FetchEngine | undefined;
  private phase: Phase = 'created';
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private restored: Map<string, TopicPartition & { offset: CheckpointPosition }> | undefined;
  private assigned: TopicPartition[] = [];
  private readonly detachSignal: () => void;
  private claim: SubtaskClaim | undefined;
  private claimFailure: Error | undefined;

  constructor(
    topics: string | readonly string[],
    schema: AnySchema<T>,
    properties: ConsumerProperties,
    policy: ConsumerPolicy,
  ) {
    super();
    this.topics = Object.freeze(subscribedTopics(topics));
    // First, as before: a bad schema throws before anything is set up.
    this.reader = new RecordReader(
      schema,
      this.positions,
      (tp, offset) => this.endPartition(tp, offset),
      this.counters,
    );
    this.config = resolveConsumerConfig(properties);
    this.policy = policy;
    if (this.config.offsetsStorage === 'kafka' && policy.brokerVersion !== '0.8.2') {
      throw new ConsumerConfigError(
        'offsets.storage',
        `=kafka needs 0.8.2 brokers; ${policy.name} targets ${policy.brokerVersion}`,
      );
    }
    const c = this.config;
    this.pool = new BrokerPool({
      clientId: c.clientId,
      requestTimeoutMs: c.socketTimeoutMs,
      createConnection: observedConnections(this.counters, c.logger),
    });
    this.cluster = new ClusterMetadata({
      seedBrokers: c.bootstrapServers,
      pool: this.pool,
      refreshBackoffMs: c.refreshLeaderBackoffMs,
    });
    const store = createOffsetStore(c, {
      cluster: this.cluster,
      groupId: c.groupId,
      brokerVersion: policy.brokerVersion,
      timeoutMs: c.socketTimeoutMs,
      signal: this.lifecycle.signal,
    });
    this.committer = new OffsetCommitter(store, this.counters);
    this.detachSignal = closeOnAbort(c.signal, () => this.close());
    this.observe(c);
  }

  /**
   * Positions to start from, before `start()` (Flink's restoreState). Several states (from
   * instances of an earlier run with another parallelism) may be given: entries are per
   * partition, and each instance uses those of the partitions it is assigned.
   */
  restoreState(state: ConsumerCheckpointState | readonly ConsumerCheckpointState[]): void {
    if (this.phase !== 'created') throw new InvalidStateError('restoreState must be called before start');
    const merged = new Map<string, TopicPartition & { offset: CheckpointPosition }>();
    for (const s of Array.isArray(state) ? state : [state])
      for (const [k, v] of decodeState(s)) merged.set(k, v);
    this.restored = merged;
  }

  /**
   * Lists and assigns partitions, resolves every start position, starts fetching. Called by the
   * first read; call it yourself to fail early. Resolves once every assigned partition has a
   * concrete position, so snapshots from then on hold offsets only.
   */
  start(): Promise<void> {
    if (this.phase === 'closed') return Promise.reject(new ConsumerClosedError());
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.phase = 'starting';
    const c = this.config;
    const signal = this.lifecycle.signal;
    // The claim and the partition lookup need nothing from each other: side by side, ZooKeeper's
    // round trips overlap the metadata one. The lookup's error still comes first, and a claim
    // taken while the lookup failed is released before start() rejects.
    const claiming = c.claimSubtask ? SubtaskClaim.connect(c, (err) => this.claimLost(err)) : undefined;
    claiming?.catch(() => undefined); // awaited below: not an unhandled rejection meanwhile
    let all: TopicPartition[];
    try {
      all = await discoverPartitions(this.cluster, this.topics, c.getPartitionsRetry, signal);
    } catch (err) {
      await claiming?.then(
        (claim) => claim.close().catch(() => undefined),
        () => undefined,
      );
      throw err;
    }
    if (claiming !== undefined) {
      const claim = await claiming;
      this.claim = claim;
      if (this.isClosed()) {
        await claim.close();
        throw new ConsumerClosedError();
      }
    }
    this.assigned = assignPartitions(all, c.subtaskIndex, c.parallelism);
    const inputs = {
      restored:
        this.restored === undefined ? undefined : new Map([...this.restored].map(([k, v]) => [k, v.offset])),
      startFrom: c.startFrom,
      autoOffsetReset: c.autoOffsetReset,
    };
    const committed = needsCommittedOffsets(this.assigned, inputs)
      ? await this.committer.store.fetch(this.assigned)
      : new Map<string, bigint>();
    const starts = this.assigned.map((tp) => ({
      ...tp,
      ...resolveStartPosition(tp, { ...inputs, committed }),
    }));
    // close() may have run during the awaits above: no engine may be created after it.
    if (signal.aborted || this.isClosed()) throw new ConsumerClosedError();
    for (const s of starts) {
      const key = partitionKey(s.topic, s.partition);
      this.positions.set(key, { topic: s.topic, partition: s.partition, offset: s.position });
      if (typeof s.position !== 'bigint') this.unresolved.add(key);
    }
    if (this.assigned.length === 0) {
      // More instances than partitions: this one has nothing to read, and says so by ending.
      this.phase = 'finished';
      return;
    }
    const engine = new FetchEngine(this.cluster, fetchEngineOptions(c));
    this.engine = engine;
    relayEngineEvents(engine, this, this.positions, (key) => this.markResolved(key));
    engine.assign(starts.map((s) => ({ topic: s.topic, partition: s.partition, offset: s.position })));
    this.phase = 'running';
    this.committer.startPeriodic(
      c,
      () => this.currentPositions(),
      (err) => this.emit('commit-failed', err),
    );
    await this.untilResolved(signal);
  }

  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  private untilResolved(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.unresolved.size === 0 || signal.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        this.allResolved = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.allResolved = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * After a ZooKeeper session expiry another instance took our subtask index: stop fetching, and
   * every read from now on throws why.
   */
  private claimLost(err: Error): void {
    this.claimFailure = err;
    this.reader.drop();
    void this.engine?.close();
  }

  private markResolved(key: string): void {
    this.unresolved.delete(key);
    if (this.unresolved.size === 0) this.allResolved?.();
  }

  protected observed(): { positions: Iterable<PartitionPosition>; engine: FetchEngine | undefined } {
    return { positions: this.positions.values(), engine: this.engine };
  }

  /** The partitions this instance reads (sorted); empty before `start()`. */
  assignment(): TopicPartition[] {
    return this.assigned.map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Next offset to read of an assigned partition (what a snapshot would record). */
  position(topic: string, partition: number): CheckpointPosition | undefined {
    return this.positions.get(partitionKey(topic, partition))?.offset;
  }

  /**
   * The positions of every assigned partition, including those that have not emitted yet, as
   * a JSON-safe state; kept as pending until `notifyCheckpointComplete`. Synchronous, so it is
   * atomic with respect to record hand-out. Before start it returns the restored state.
   */
  snapshotState(checkpointId: number): ConsumerCheckpointState {
    if (this.phase === 'closed') throw new ConsumerClosedError('snapshotState after close');
    if (this.phase === 'created' || this.phase === 'starting') {
      return encodeState(this.restored ?? new Map());
    }
    const copy = new Map<string, PartitionPosition>();
    for (const [k, p] of this.positions) copy.set(k, { ...p });
    this.pending.add(checkpointId, this.committer.committable(copy.values()));
    return encodeState(copy);
  }

  /**
   * Moves an assigned partition: the next record handed out of it is at `offset` (or the log
   * start / end). Records of it already fetched are dropped; an out-of-range offset is reset per
   * `auto.offset.reset` like any other.
   */
  seek(topic: string, partition: number, offset: bigint | 'earliest' | 'latest'): void {
    if (this.phase !== 'running' || this.engine === undefined) {
      throw new InvalidStateError('seek needs a started, running consumer');
    }
    const key = partitionKey(topic, partition);
    const pos = this.positions.get(key);
    if (pos === undefined || this.ended.has(key))
      throw new InvalidStateError(`${topic}/${partition} is not assigned to this consumer`);
    this.reader.dropPartition(topic, partition);
    this.engine.seek(topic, partition, offset);
    pos.offset = offset;
    if (typeof offset === 'bigint') this.markResolved(key);
    else this.unresolved.add(key);
  }

  /** Checkpoint ids snapshotted and not yet completed, oldest first. */
  pendingCheckpoints(): number[] {
    return this.pending.ids();
  }

  /**
   * Commits the offsets of checkpoint `checkpointId` (and forgets it and every older pending
   * one). Resolves true when something was committed; false for an unknown or evicted id, when
   * nothing changed, when committing is off, or after close. Rejects when the store fails.
   */
  async notifyCheckpointComplete(checkpointId: number): Promise<boolean> {
    if (this.phase === 'closed') return false;
    const offsets = this.pending.complete(checkpointId);
    if (offsets === undefined || !this.config.commitOffsets) return false;
    return this.committer.commit(offsets);
  }

  protected async fill(): Promise<boolean> {
    // Reads after close end, as documented, rather than reject.
    if (this.phase === 'closed') return false;
    await this.start();
    for (;;) {
      if (this.claimFailure !== undefined) throw this.claimFailure;
      const engine = this.engine;
      if (this.phase !== 'running' || engine === undefined) return false;
      let batch: Awaited<ReturnType<FetchEngine['next']>>;
      try {
        batch = await engine.next();
      } catch (err) {
        if (err instanceof FetchEngineClosedError) {
          if (this.claimFailure !== undefined) throw this.claimFailure;
          return false;
        }
        throw err;
      }
      if (this.phase !== 'running') return false;
      if (this.ended.has(partitionKey(batch.topic, batch.partition))) continue;
      this.reader.take(batch);
      return true;
    }
  }

  private endPartition(tp: TopicPartition, offset: bigint): void {
    this.ended.add(partitionKey(tp.topic, tp.partition));
    this.engine?.unassign([tp]);
    this.emit('partition-end', { topic: tp.topic, partition: tp.partition, offset });
    if (this.assigned.every((a) => this.ended.has(partitionKey(a.topic, a.partition))))
      this.phase = 'finished';
  }

  /** What periodic and closing commits write: processed records only (see UnfinishedRecords). */
  private currentPositions(): CommittedPosition[] {
    return this.reader.unfinished.committablePositions(this.positions.values());
  }

  /**
   * Stops fetching, aborts in-flight requests and timers, commits the positions once more when
   * committing periodically (Kafka's consumer does the same on shutdown), and closes every
   * socket. Idempotent; later commits and snapshots are refused or ignored.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const wasRunning = this.phase === 'running' || this.phase === 'finished';
      this.phase = 'closed';
      this.settleForClose();
      this.stopObserving();
      this.detachSignal();
      this.reader.drop();
      const engine = this.engine;
      await engine?.close();
      await this.committer.stop(wasRunning ? this.currentPositions() : undefined, (err) =>
        this.emit('commit-failed', err),
      );
      this.lifecycle.abort(new ConsumerClosedError());
      this.pending.clear();
      await this.claim?.close();
      await this.pool.close();
    })();
    return this.closing;
  }
}
