import type { ResetTarget } from './offset-reset.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * Where one assigned partition stands.
 *
 * - `no-leader`: waiting for the leader finder (new, or after a leader move / broker failure).
 * - `resetting`: an Offsets request is resolving its position (auto.offset.reset or a start
 *   position of earliest/latest).
 * - `ready`: owned by the fetcher of broker `leader`.
 * - `failed`: an unrecoverable error (`failure`) was queued for the caller; nothing is fetched
 *   until seek.
 */
export type PartitionStatus = 'no-leader' | 'resetting' | 'ready' | 'failed';

export class PartitionState implements TopicPartition {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  status: PartitionStatus = 'no-leader';
  leader: number | undefined;
  /** Next offset to ask a broker for; undefined until a start position is resolved. */
  fetchOffset: bigint | undefined;
  /** Offset after the last message handed out (what a checkpoint of this partition says). */
  consumedOffset: bigint | undefined;
  fetchSize: number;
  /** The log end the leader reported with its last answer (for lag). */
  highWatermark: bigint | undefined;
  /** The last fetch came back full: the partition is behind the log end (see catchUpFetchBytes). */
  behind = false;
  /** Its last answer's entries averaged at least LARGE_ENTRY_BYTES (see catchUpFetchBytes). */
  largeEntries = false;
  /** Average bytes per entry of its last answer with entries (0 before one). */
  entryBytes = 0;
  /** When (performance.now()) a request last carried it as a caught-up probe. */
  probedAt = -Infinity;
  paused = false;
  /** Empty answers in a row at `emptyAt` below the high watermark (see stall-watch.ts). */
  emptyAnswers = 0;
  emptyAt: bigint | undefined;
  /** What stopped the partition, while `status` is `failed`. */
  failure: Error | undefined;
  /** Position to resolve with an Offsets request before fetching (start or reset). */
  pendingReset: ResetTarget | undefined;
  /** The last lookup or fetch failed: wait out the backoff before asking again. */
  backoff = false;
  /**
   * Bumped by anything that invalidates data fetched from the old position (seek, pause,
   * unassign): queued batches and in-flight answers carrying an older epoch are dropped.
   */
  epoch = 0;
  removed = false;
  /** Bumped by every new position, so an Offsets answer for an older one is ignored. */
  resetToken = 0;

  constructor(topic: string, partition: number, fetchSize: number) {
    this.topic = topic;
    this.partition = partition;
    this.key = partitionKey(topic, partition);
    this.fetchSize = fetchSize;
  }

  get fetchable(): boolean {
    return this.status === 'ready' && !this.paused && !this.removed && this.fetchOffset !== undefined;
  }
}

/**
 * When every assigned partition has failed, nothing can come until a seek or an assignment
 * change: the failure of the first, for `next()` to raise again instead of waiting for ever.
 */
export function failureOfAll(states: Iterable<PartitionState>): Error | undefined {
  let first: Error | undefined;
  for (const s of states) {
    if (s.status !== 'failed') return undefined;
    first ??= s.failure;
  }
  return first;
}

export function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}
