export type { FetchCluster, FetchTransport } from './cluster-view.js';
export type { AutoOffsetReset, FetchEngineConfig, FetchEngineOptions } from './config.js';
export type { FetchBatch } from './delivery-queue.js';
export {
  FetchEngine,
  type FetchEngineInit,
  type PartitionAssignment,
  type StartPosition,
} from './engine.js';
export {
  FetchConfigError,
  FetchEngineClosedError,
  MessageTooLargeError,
  OffsetOutOfRangeError,
  PartitionUnreadableError,
  UndecodableResponseError,
  UnknownAssignmentError,
  type UnreadableReason,
} from './errors.js';
export type {
  FetchEngineEvents,
  FetchSizeGrownEvent,
  LeaderChangeEvent,
  OffsetResetEvent,
  PartitionFailedEvent,
  PartitionStalledEvent,
  RetriableErrorEvent,
} from './events.js';
export type { FetchEngineStats } from './fetch-stats.js';
export { LeaderLookupError } from './leader-finder.js';
export type { MessageBatch } from './message-batch.js';
export type { ResetTarget } from './offset-reset.js';
export type { TopicPartition } from './partition-state.js';
