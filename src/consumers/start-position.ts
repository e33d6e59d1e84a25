import type {
  AutoOffsetReset,
  StartPosition,
  TopicPartition,
} from '../simple-consumer/fetch-engine/index.js';
import type { CheckpointPosition } from './checkpoint-state.js';
import { partitionKey } from './checkpoint-state.js';
import type { StartFrom } from './config.js';
import { NoCommittedOffsetError } from './errors.js';

export interface StartInputs {
  /** Positions from `restoreState`, by partitionKey. */
  restored: ReadonlyMap<string, CheckpointPosition> | undefined;
  startFrom: StartFrom;
  /** The group's committed next offsets, by partitionKey (only read when needed). */
  committed: ReadonlyMap<string, bigint>;
  autoOffsetReset: AutoOffsetReset;
}

export type StartSource = 'restored' | 'specific' | 'earliest' | 'latest' | 'group' | 'auto.offset.reset';

/**
 * Where one partition starts: restored state first; else an explicit `startFrom`; else (the
 * default `group`) the group's committed offset; else `auto.offset.reset`. `smallest` and
 * `largest` mean what Kafka 0.8 says they mean (FLINK-3341 read anything but "latest" as
 * earliest). An out-of-range committed offset is passed through: the fetch engine answers the
 * OffsetOutOfRange by resetting per `auto.offset.reset`, every time it happens.
 */
export function resolveStartPosition(
  tp: TopicPartition,
  inputs: StartInputs,
): { position: StartPosition; source: StartSource } {
  const key = partitionKey(tp.topic, tp.partition);
  const restored = inputs.restored?.get(key);
  if (restored !== undefined) return { position: restored, source: 'restored' };
  const s = inputs.startFrom;
  if (s === 'earliest' || s === 'latest') return { position: s, source: s };
  if (typeof s === 'object') {
    const hit = s.specificOffsets.find((o) => o.topic === tp.topic && o.partition === tp.partition);
    if (hit !== undefined) return { position: hit.offset, source: 'specific' };
  }
  const committed = inputs.committed.get(key);
  if (committed !== undefined) return { position: committed, source: 'group' };
  switch (inputs.autoOffsetReset) {
    case 'smallest':
    case 'earliest':
      return { position: 'earliest', source: 'auto.offset.reset' };
    case 'largest':
    case 'latest':
      return { position: 'latest', source: 'auto.offset.reset' };
    case 'none':
      throw new NoCommittedOffsetError(tp.topic, tp.partition);
  }
}

/** Whether the committed offsets must be fetched at all for these partitions. */
export function needsCommittedOffsets(
  partitions: readonly TopicPartition[],
  inputs: Omit<StartInputs, 'committed'>,
): boolean {
  return partitions.some((tp) => {
    if (inputs.restored?.has(partitionKey(tp.topic, tp.partition))) return false;
    const s = inputs.startFrom;
    if (s === 'earliest' || s === 'latest') return false;
    if (typeof s === 'object')
      return !s.specificOffsets.some((o) => o.topic === tp.topic && o.partition === tp.partition);
    return true;
  });
}
