import type { TopicPartition } from '../simple-consumer/fetch-engine/index.js';
import { InvalidStateError } from './errors.js';

/**
 * A position in a checkpoint: the next offset to read (Kafka's convention, the same number that
 * is committed), or, for a partition whose start was not resolved yet when the snapshot was
 * taken (nothing of it was handed out), the symbolic start it was waiting for.
 */
export type CheckpointPosition = bigint | 'earliest' | 'latest';

/**
 * What `snapshotState` returns: plain JSON-safe data (offsets as decimal strings), so it can be
 * stored anywhere and handed back to `restoreState` in another process.
 */
export interface ConsumerCheckpointState {
  readonly format: 'kafka08.consumer-offsets.v1';
  readonly offsets: readonly { topic: string; partition: number; offset: string }[];
}

export const STATE_FORMAT = 'kafka08.consumer-offsets.v1';

export function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

export function encodeState(
  positions: ReadonlyMap<string, TopicPartition & { offset: CheckpointPosition }>,
): ConsumerCheckpointState {
  const offsets = [...positions.values()]
    .map((p) => ({ topic: p.topic, partition: p.partition, offset: String(p.offset) }))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  return { format: STATE_FORMAT, offsets };
}

/** Validates a state from outside (it may have been through JSON or another process). */
export function decodeState(state: unknown): Map<string, TopicPartition & { offset: CheckpointPosition }> {
  const s = state as Partial<ConsumerCheckpointState> | null;
  if (typeof s !== 'object' || s === null || s.format !== STATE_FORMAT || !Array.isArray(s.offsets)) {
    throw new InvalidStateError(`not a ${STATE_FORMAT} checkpoint state`);
  }
  const out = new Map<string, TopicPartition & { offset: CheckpointPosition }>();
  for (const e of s.offsets as unknown[]) {
    const o = e as { topic?: unknown; partition?: unknown; offset?: unknown };
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.topic !== 'string' ||
      !Number.isInteger(o.partition) ||
      (o.partition as number) < 0 ||
      typeof o.offset !== 'string'
    ) {
      throw new InvalidStateError(
        `bad entry in checkpoint state: ${JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
    }
    let offset: CheckpointPosition;
    if (o.offset === 'earliest' || o.offset === 'latest') offset = o.offset;
    else if (/^\d{1,19}$/.test(o.offset) && BigInt(o.offset) <= 0x7fffffffffffffffn)
      offset = BigInt(o.offset);
    else
      throw new InvalidStateError(
        `bad offset ${JSON.stringify(o.offset)} for ${o.topic}/${String(o.partition)}`,
      );
    const partition = o.partition as number;
    out.set(partitionKey(o.topic, partition), { topic: o.topic, partition, offset });
  }
  return out;
}

/** Flink's MAX_NUM_PENDING_CHECKPOINTS. */
export const MAX_PENDING_CHECKPOINTS = 100;

/**
 * Snapshots waiting for their checkpoint to complete, oldest first. Completing one also drops
 * every older one (notifications are not guaranteed, a later one covers the missed ones); an
 * unknown or already dropped id is ignored. At most `max` are kept, the oldest evicted.
 */
export class PendingCheckpoints<V> {
  private readonly entries = new Map<number, V>();
  private readonly max: number;

  constructor(max = MAX_PENDING_CHECKPOINTS) {
    this.max = max;
  }

  get size(): number {
    return this.entries.size;
  }

  ids(): number[] {
    return [...this.entries.keys()];
  }

  add(id: number, value: V): void {
    if (!Number.isSafeInteger(id) || id < 0)
      throw new RangeError(`checkpoint id must be a safe integer >= 0, got ${id}`);
    // A re-used id replaces the old snapshot and moves to the newest place.
    this.entries.delete(id);
    this.entries.set(id, value);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as number;
      this.entries.delete(oldest);
    }
  }

  /** The snapshot of `id`, removing it and everything older; undefined for an unknown id. */
  complete(id: number): V | undefined {
    if (!this.entries.has(id)) return undefined;
    const value = this.entries.get(id) as V;
    for (const k of [...this.entries.keys()]) {
      this.entries.delete(k);
      if (k === id) break;
    }
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
