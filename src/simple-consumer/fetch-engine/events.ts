import type { Kafka08Error } from '../../protocol/errors.js';
import type { ListenerErrorEvent } from '../guarded-emit.js';
import type { ResetTarget } from './offset-reset.js';

export interface LeaderChangeEvent {
  topic: string;
  partition: number;
  /** Undefined for the first leader found. */
  from: number | undefined;
  to: number;
}

export interface OffsetResetEvent {
  topic: string;
  partition: number;
  /** The out-of-range offset, or undefined when a start position of earliest/latest was resolved. */
  from: bigint | undefined;
  to: bigint;
  target: ResetTarget;
  /**
   * For an out-of-range offset, where it lay: `true` beyond the partition's log end, so the
   * leader's log was cut beneath the reader (on brokers before 0.11 an unclean election, or a
   * leader change as in KAFKA-1211, can drop records already read and acknowledged; the offsets
   * from the new end on are reused by new records); `false` before the log start (retention
   * deleted it). Undefined for a start position, and when the leader's answer cannot tell: a
   * log end at or above the offset may have grown back past it since the fetch.
   */
  beyondLogEnd: boolean | undefined;
}

export interface FetchSizeGrownEvent {
  topic: string;
  partition: number;
  offset: bigint;
  from: number;
  to: number;
}

/**
 * A retriable failure the engine is handling itself (connection lost, request timeout, leader
 * moved, metadata refresh failed). Reported so nothing is retried silently forever; the
 * unrecoverable errors are not emitted here but rejected from `next()`.
 */
export interface RetriableErrorEvent {
  error: Kafka08Error;
  topic?: string;
  partition?: number;
  brokerId?: number;
}

/**
 * A partition stopped with an error that `next()` raises (the event only says so at once, e.g.
 * to whoever waits for its start position to resolve).
 */
export interface PartitionFailedEvent {
  topic: string;
  partition: number;
  error: Error;
}

/**
 * The partition's leader answered several fetches in a row at `offset` with no records though
 * its high watermark is higher: the partition makes no progress (see stall-watch.ts). Once per
 * offset; reading resumes by itself if the broker starts serving records there.
 */
export interface PartitionStalledEvent {
  topic: string;
  partition: number;
  offset: bigint;
  highWatermark: bigint;
  emptyAnswers: number;
}

export interface FetchEngineEvents {
  'leader-change': [LeaderChangeEvent];
  'offset-reset': [OffsetResetEvent];
  'fetch-size-grown': [FetchSizeGrownEvent];
  'partition-failed': [PartitionFailedEvent];
  'partition-stalled': [PartitionStalledEvent];
  /** Emitted only when someone listens, so an unhandled 'error' never throws. */
  error: [RetriableErrorEvent];
  /** A listener of one of these events threw; the engine went on. */
  'listener-error': [ListenerErrorEvent];
}
