export { assignPartitions, javaStringHash } from './assignment.js';
export {
  type Checkpoint,
  type CheckpointStore,
  CheckpointStoreError,
} from './checkpoint/checkpoint-store.js';
export {
  type CorruptCheckpointEvent,
  FileCheckpointStore,
  type FileCheckpointStoreOptions,
} from './checkpoint/file-checkpoint-store.js';
export {
  type RunCheckpointedOptions,
  type RunCheckpointedResult,
  runCheckpointed,
} from './checkpoint/run-checkpointed.js';
export {
  type CheckpointPosition,
  type ConsumerCheckpointState,
  MAX_PENDING_CHECKPOINTS,
  PendingCheckpoints,
} from './checkpoint-state.js';
export {
  type ConsumerConfig,
  type ConsumerOptions,
  type ConsumerProperties,
  resolveConsumerConfig,
  type StartFrom,
} from './config.js';
export { type ConsumerEvents, KafkaConsumerBase } from './consumer-base.js';
export {
  ConsumerClosedError,
  ConsumerConfigError,
  ConsumerRebalanceFailedError,
  InvalidStateError,
  NoCommittedOffsetError,
  NoPartitionsError,
  OffsetStoreError,
  ProcessingError,
} from './errors.js';
export { FlinkKafkaConsumer081 } from './flink-kafka-consumer-081.js';
export { FlinkKafkaConsumer082 } from './flink-kafka-consumer-082.js';
export {
  type AssignmentInput,
  type AssignmentStrategy,
  type GroupSubscriptions,
  type OwnedPartition,
  rangeAssign,
  roundRobinAssign,
} from './group/assignors.js';
export type { RebalanceEvent } from './group/rebalancer.js';
export { consumerIdString, registrationJson } from './group/registration.js';
export { KafkaSource, type KafkaSourceEvents } from './kafka-source.js';
export {
  type GroupOptions,
  type KafkaSourceProperties,
  resolveKafkaSourceConfig,
} from './kafka-source-config.js';
export {
  type CommittedPosition,
  DualOffsetStore,
  KafkaOffsetStore,
  type OffsetStore,
  ZooKeeperOffsetStore,
} from './offset-store.js';
export { PersistentKafkaSource } from './persistent-kafka-source.js';
export type { ConsumerBatch } from './record-reader.js';
export type { RecordContext, RunOptions } from './record-source.js';
export {
  type AnySchema,
  type DeserializationSchema,
  JsonSchema,
  type KafkaRecord,
  KafkaRecordSchema,
  type KeyedDeserializationSchema,
  RawBytesSchema,
  SimpleStringSchema,
  type StringKeyValue,
  StringKeyValueSchema,
} from './schemas.js';
export { resolveStartPosition, type StartSource } from './start-position.js';
export { SubtaskClaimedError, SubtaskClaimUnavailableError } from './subtask-claim.js';
