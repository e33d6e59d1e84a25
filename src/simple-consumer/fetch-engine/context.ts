import type { EventEmitter } from 'node:events';
import type { Kafka08Error } from '../../protocol/errors.js';
import type { FetchCluster } from './cluster-view.js';
import type { FetchEngineConfig } from './config.js';
import type { DeliveryQueue, DoneFrames } from './delivery-queue.js';
import type { FetchEngineEvents } from './events.js';
import type { FetchStats } from './fetch-stats.js';
import type { Notifier } from './notifier.js';
import type { ResetTarget } from './offset-reset.js';
import type { PartitionState } from './partition-state.js';
import type { PrefetchBudget } from './prefetch-budget.js';

/** What the engine's parts (fetchers, leader finder) share. Internal. */
export interface EngineContext {
  readonly config: FetchEngineConfig;
  readonly cluster: FetchCluster;
  readonly budget: PrefetchBudget;
  readonly queue: DeliveryQueue;
  /** Frames to free at the next `next()`, when `config.releaseFrames` is on. */
  readonly doneFrames: DoneFrames;
  /** Fires when partitions became fetchable, bytes were freed, or entries were queued. */
  readonly changed: Notifier;
  readonly signal: AbortSignal;
  readonly stats: FetchStats;
  readonly events: EventEmitter<FetchEngineEvents>;
  partitions(): Iterable<PartitionState>;
  /** Hands the partition to the leader finder (after a backoff), keeping its position. */
  lookupLeader(state: PartitionState, error: Kafka08Error, brokerId: number | undefined): void;
  /** Resolves the partition's position with an Offsets request to its leader. */
  reset(state: PartitionState, target: ResetTarget, from: bigint | undefined): void;
  /** Stops the partition and queues `error` for the caller. */
  fail(state: PartitionState, error: Error): void;
  /** Reports a retriable error (only if someone listens). */
  report(error: Kafka08Error, where: { topic?: string; partition?: number; brokerId?: number }): void;
}
