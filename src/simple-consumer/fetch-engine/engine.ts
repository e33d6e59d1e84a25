import { EventEmitter, setMaxListeners } from 'node:events';
import { Kafka08Error } from '../../protocol/errors.js';
import { closeOnAbort } from '../abort.js';
import { UnsupportedBrokerError } from '../errors.js';
import { releaseFrame } from '../frame-decoder.js';
import { emitGuarded } from '../guarded-emit.js';
import { BrokerFetcher } from './broker-fetcher.js';
import type { FetchCluster } from './cluster-view.js';
import { type FetchEngineConfig, type FetchEngineOptions, resolveFetchEngineConfig } from './config.js';
import type { EngineContext } from './context.js';
import { DeliveryQueue, DoneFrames } from './delivery-queue.js';
import { FetchEngineClosedError, UnknownAssignmentError } from './errors.js';
import type { FetchEngineEvents } from './events.js';
import { type FetchEngineStats, FetchStats } from './fetch-stats.js';
import { verifyForHandOut } from './hand-out.js';
import { LeaderFinder } from './leader-finder.js';
import type { MessageBatch } from './message-batch.js';
import { Notifier } from './notifier.js';
import { outOfRangeSide, type ResetLookup, ResetRequests, type ResetTarget } from './offset-reset.js';
import { failureOfAll, PartitionState, partitionKey, type TopicPartition } from './partition-state.js';
import { PrefetchBudget } from './prefetch-budget.js';

/** A start position: an exact offset, or the log start / high watermark looked up at the leader. */
export type StartPosition = bigint | 'earliest' | 'latest';

export interface PartitionAssignment extends TopicPartition {
  offset: StartPosition;
}

export interface FetchEngineInit extends FetchEngineOptions {
  /** Aborting it closes the engine, like `close()`. */
  signal?: AbortSignal;
}

/**
 * Fetches assigned partitions from their leaders and hands out batches in fetch order, one at a
 * time, through `next()` or `for await`. Leader moves, lost brokers, timeouts and out-of-range
 * offsets are handled inside and reported as events; errors that need a decision
 * (MessageTooLargeError, OffsetOutOfRangeError with reset `none`, CorruptError, non-retriable
 * broker codes, UndecodableResponseError once a broker keeps answering garbage) are rejected
 * from `next()` in order with the data before them (a CorruptError after every record in front
 * of the corrupt one), and stop only their partition until it is sought.
 *
 * Checkpointing: a batch is handed out, and `position()` of its partition moves to
 * `batch.nextOffset`, in the same synchronous step; nothing further is handed out until the next
 * `next()`. A consumer that applies the batch and records `nextOffset` before calling `next()`
 * again therefore never checkpoints a message it did not receive, nor skips one.
 */
export class FetchEngine extends EventEmitter<FetchEngineEvents> implements AsyncIterable<MessageBatch> {
  readonly config: FetchEngineConfig;
  private readonly cluster: FetchCluster;
  private readonly states = new Map<string, PartitionState>();
  private readonly fetchers = new Map<number, BrokerFetcher>();
  private readonly controller = new AbortController();
  private readonly changed = new Notifier();
  private readonly queue = new DeliveryQueue();
  private readonly doneFrames = new DoneFrames();
  private readonly budget: PrefetchBudget;
  private readonly fetchStats = new FetchStats();
  private readonly ctx: EngineContext;
  private readonly finder: LeaderFinder;
  private readonly resets: ResetRequests;
  private closing: Promise<void> | undefined;
  /**
   * Decompressed bytes of the batch handed out last, held in the budget until the next `next()`:
   * a compressed batch can expand to many times its wire size (up to the 64 MiB decompression
   * limit), and the fetchers must not fill the budget again on top of it.
   */
  private handedOutBytes = 0;
  /** A batch's corruption, raised by the next `next()` after the records in front of it. */
  private heldFailure: { state: PartitionState; epoch: number; error: unknown } | undefined;
  private readonly detachSignal: () => void;

  constructor(cluster: FetchCluster, init: FetchEngineInit = {}) {
    super();
    this.config = resolveFetchEngineConfig(init);
    this.cluster = cluster;
    this.budget = new PrefetchBudget(this.config.prefetchBytes, () => this.changed.notify());
    this.ctx = {
      config: this.config,
      cluster,
      stats: this.fetchStats,
      budget: this.budget,
      queue: this.queue,
      doneFrames: this.doneFrames,
      changed: this.changed,
      signal: this.controller.signal,
      events: this,
      partitions: () => this.states.values(),
      lookupLeader: (s, error, brokerId) => this.lookupLeader(s, error, brokerId),
      reset: (s, target, from) => this.reset(s, target, from),
      fail: (s, error) => this.fail(s, error),
      report: (error, where) => this.report(error, where),
    };
    this.finder = new LeaderFinder(this.ctx, (s, id) => this.onLeader(s, id));
    this.resets = new ResetRequests(
      { cluster, timeoutMs: this.config.socketTimeoutMs, signal: this.controller.signal },
      {
        resolved: (lookup, offset) => this.resetDone(lookup, offset),
        failed: (lookup, error, brokerId) => this.lookupLeader(lookup.state, error, brokerId),
      },
    );
    // Every in-flight request, connection attempt and waiting loop listens to this one signal:
    // with a few brokers that is legitimately over Node's default of 10 (12 were seen with 3
    // brokers), and each listener is removed when its wait ends, so the "possible memory leak"
    // warning printed to the user's stderr would be noise.
    setMaxListeners(0, this.controller.signal);
    this.detachSignal = closeOnAbort(init.signal, () => this.close());
  }

  /** A listener that throws is reported (`listener-error`), never unwinds into the engine. */
  override emit<K extends keyof FetchEngineEvents>(event: K, ...args: FetchEngineEvents[K]): boolean {
    return emitGuarded(this, event, args);
  }

  /** Bytes currently reserved or held by fetched data (never above the budget, but see config). */
  get prefetchedBytes(): number {
    return this.budget.usedBytes;
  }

  /** What the engine measured so far: fetches, bytes, latency, growths, failures, log ends. */
  stats(): FetchEngineStats {
    return this.fetchStats.snapshot(this.states.values());
  }

  /** Adds partitions; assigning one already assigned seeks it. Fetching starts at once. */
  assign(assignments: readonly PartitionAssignment[]): void {
    this.ensureOpen();
    for (const a of assignments) {
      const existing = this.states.get(partitionKey(a.topic, a.partition));
      if (existing !== undefined) {
        this.seek(a.topic, a.partition, a.offset);
        continue;
      }
      const s = new PartitionState(a.topic, a.partition, this.config.fetchSizeBytes);
      this.place(s, a.offset);
      this.states.set(s.key, s);
    }
    this.changed.notify();
  }

  /** Removes partitions: nothing more of theirs is fetched or handed out. Unknown ones are ignored. */
  unassign(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const s = this.states.get(partitionKey(tp.topic, tp.partition));
      if (s === undefined) continue;
      s.removed = true;
      s.epoch++;
      this.states.delete(s.key);
    }
    this.queue.purge();
    this.changed.notify();
  }

  assignments(): PartitionAssignment[] {
    return [...this.states.values()].map((s) => ({
      topic: s.topic,
      partition: s.partition,
      offset: s.consumedOffset ?? s.pendingReset ?? 'latest',
    }));
  }

  /**
   * Moves the partition's position: data already fetched from the old position is dropped, a
   * partition stopped by an error fetches again.
   */
  seek(topic: string, partition: number, offset: StartPosition): void {
    this.ensureOpen();
    const s = this.state(topic, partition);
    s.epoch++;
    this.place(s, offset);
    this.queue.purge();
    this.changed.notify();
  }

  /** Offset after the last message handed out; undefined while a start position is unresolved. */
  position(topic: string, partition: number): bigint | undefined {
    return this.state(topic, partition).consumedOffset;
  }

  /**
   * Stops handing out and fetching these partitions, effective for the very next `next()`:
   * batches already prefetched are dropped and will be fetched again after `resume`, from the
   * position after the last batch handed out.
   */
  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const s = this.state(tp.topic, tp.partition);
      if (s.paused) continue;
      s.paused = true;
      s.epoch++;
      if (s.consumedOffset !== undefined && s.pendingReset === undefined) s.fetchOffset = s.consumedOffset;
    }
    this.queue.purge();
    this.changed.notify();
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.state(tp.topic, tp.partition).paused = false;
    this.changed.notify();
  }

  paused(): TopicPartition[] {
    return [...this.states.values()]
      .filter((s) => s.paused)
      .map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * The next batch, waiting for one if needed. Rejects with a partition's unrecoverable error in
   * its place in the stream (the engine keeps running; call `next()` again for the others); once
   * every assigned partition has failed, with that error again rather than wait for ever (until
   * a seek or an assignment change); with FetchEngineClosedError once closed.
   */
  async next(): Promise<MessageBatch> {
    const signal = this.controller.signal;
    // Asking for the next batch means the previous one is done with.
    this.budget.release(this.handedOutBytes);
    this.handedOutBytes = 0;
    this.doneFrames.release(releaseFrame);
    for (;;) {
      if (signal.aborted) throw new FetchEngineClosedError(signal.reason);
      const held = this.heldFailure;
      this.heldFailure = undefined;
      if (held !== undefined && !held.state.removed && held.state.epoch === held.epoch) {
        throw this.failAtHandOut(held.state, held.error);
      }
      const e = this.queue.shift();
      if (e !== undefined) {
        if ('error' in e) throw e.error;
        const { state } = e;
        const { batch, failure } = verifyForHandOut(e.batch, this.config.verifyCrc);
        if (batch === undefined) throw this.failAtHandOut(state, failure);
        if (failure !== undefined) this.heldFailure = { state, epoch: state.epoch, error: failure };
        state.consumedOffset = batch.nextOffset;
        // A compressed wrapper wholly below the fetch offset: nothing to hand out, but consumed.
        if (batch.count === 0) continue;
        this.handedOutBytes = batch.expandedBytes;
        this.budget.reserve(this.handedOutBytes);
        return batch;
      }
      const stuck = failureOfAll(this.states.values());
      if (stuck !== undefined) throw stuck;
      await this.changed.wait(signal);
    }
  }

  /** Iterates batches until closed; leaving the loop early (break/return) closes the engine. */
  [Symbol.asyncIterator](): AsyncIterator<MessageBatch> {
    return {
      next: async (): Promise<IteratorResult<MessageBatch>> => {
        try {
          return { value: await this.next(), done: false };
        } catch (err) {
          if (err instanceof FetchEngineClosedError) return { value: undefined, done: true };
          throw err;
        }
      },
      return: async (): Promise<IteratorResult<MessageBatch>> => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /**
   * Stops every loop, aborts in-flight requests and timers, drops prefetched data. Connections
   * belong to the cluster object and stay open. Resolves when nothing of the engine runs.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.controller.abort(new FetchEngineClosedError());
      this.detachSignal();
      this.changed.notify();
      await Promise.allSettled([
        this.finder.done,
        ...[...this.fetchers.values()].map((f) => f.done),
        this.resets.idle(),
      ]);
      this.queue.clear();
      // The caller may still be reading the last batch handed out: the collector frees these.
      this.doneFrames.clear();
    })();
    return this.closing;
  }

  private ensureOpen(): void {
    if (this.controller.signal.aborted) throw new FetchEngineClosedError();
  }

  private state(topic: string, partition: number): PartitionState {
    const s = this.states.get(partitionKey(topic, partition));
    if (s === undefined) throw new UnknownAssignmentError(topic, partition);
    return s;
  }

  /** Sets a (new) position and the status that follows from it. */
  private place(s: PartitionState, offset: StartPosition): void {
    s.resetToken++;
    s.fetchSize = this.config.fetchSizeBytes;
    s.behind = false;
    if (typeof offset === 'bigint') {
      if (offset < 0n) throw new RangeError(`offset ${offset} for ${s.topic}/${s.partition} is negative`);
      s.fetchOffset = offset;
      s.consumedOffset = offset;
      s.pendingReset = undefined;
    } else {
      s.fetchOffset = undefined;
      s.consumedOffset = undefined;
      s.pendingReset = offset;
    }
    if (s.leader === undefined || s.status === 'no-leader') s.status = 'no-leader';
    else if (s.pendingReset !== undefined) this.reset(s, s.pendingReset, undefined);
    else s.status = 'ready';
  }

  private lookupLeader(s: PartitionState, error: Kafka08Error, brokerId: number | undefined): void {
    // A broker that dropped the 0.8 protocol will not regain it by a leader lookup.
    if (error instanceof UnsupportedBrokerError) {
      this.fail(s, error);
      return;
    }
    s.status = 'no-leader';
    s.backoff = true;
    this.cluster.invalidate(s.topic, s.partition);
    this.report(error, { topic: s.topic, partition: s.partition, brokerId });
    this.changed.notify();
  }

  private onLeader(s: PartitionState, id: number): void {
    const from = s.leader;
    s.leader = id;
    if (from !== undefined && from !== id) {
      this.emit('leader-change', { topic: s.topic, partition: s.partition, from, to: id });
    }
    if (!this.fetchers.has(id)) this.fetchers.set(id, new BrokerFetcher(this.ctx, id));
    if (s.pendingReset !== undefined) this.reset(s, s.pendingReset, undefined);
    else s.status = 'ready';
    this.changed.notify();
  }

  /** Asks the leader for the position `target` stands for, in its next Offsets request. */
  private reset(s: PartitionState, target: ResetTarget, from: bigint | undefined): void {
    s.pendingReset = target;
    const leader = s.leader;
    if (leader === undefined) {
      s.status = 'no-leader';
      return;
    }
    s.status = 'resetting';
    this.resets.ask(leader, { state: s, target, from, resetToken: s.resetToken });
  }

  private resetDone({ state: s, target, from }: ResetLookup, offset: bigint): void {
    s.pendingReset = undefined;
    s.fetchOffset = offset;
    s.consumedOffset ??= offset;
    s.status = 'ready';
    const { topic, partition } = s;
    const beyondLogEnd = outOfRangeSide(from, target, offset);
    this.emit('offset-reset', { topic, partition, from, to: offset, target, beyondLogEnd });
    this.changed.notify();
  }

  /**
   * A set found corrupt as its batch was about to go out: the partition stops there, and what
   * was prefetched behind it is dropped (it would be handed out past a gap otherwise).
   */
  private failAtHandOut(s: PartitionState, err: unknown): Error {
    s.status = 'failed';
    s.failure =
      err instanceof Error
        ? err
        : new Kafka08Error('message set decode failed', { topic: s.topic, partition: s.partition });
    s.epoch++;
    this.queue.purge();
    this.changed.notify();
    this.emit('partition-failed', { topic: s.topic, partition: s.partition, error: s.failure });
    return s.failure;
  }

  private fail(s: PartitionState, error: Error): void {
    s.status = 'failed';
    s.failure = error;
    this.queue.pushError(s, error);
    this.changed.notify();
    this.emit('partition-failed', { topic: s.topic, partition: s.partition, error });
  }

  private report(
    error: Kafka08Error,
    where: { topic?: string; partition?: number; brokerId?: number },
  ): void {
    if (this.listenerCount('error') > 0) this.emit('error', { error, ...where });
  }
}
