// What an application needs: the consumers and their schemas, checkpointing, the producer, and
// the errors worth catching. The codec is `kafka08/protocol`; the fetch engine, connections,
// SimpleConsumer and cluster metadata are `kafka08/simple-consumer`; the ZooKeeper client is
// `kafka08/zookeeper`; the local Kafka for tests is `kafka08/rig`.

// Consumers
export {
  type AnySchema,
  type Checkpoint,
  type CheckpointPosition,
  type CheckpointStore,
  CheckpointStoreError,
  type ConsumerBatch,
  type ConsumerCheckpointState,
  ConsumerClosedError,
  ConsumerConfigError,
  type ConsumerEvents,
  type ConsumerProperties,
  ConsumerRebalanceFailedError,
  type CorruptCheckpointEvent,
  type DeserializationSchema,
  FileCheckpointStore,
  type FileCheckpointStoreOptions,
  FlinkKafkaConsumer081,
  FlinkKafkaConsumer082,
  type GroupOptions,
  InvalidStateError,
  JsonSchema,
  type KafkaConsumerBase,
  type KafkaRecord,
  KafkaRecordSchema,
  KafkaSource,
  type KafkaSourceEvents,
  type KafkaSourceProperties,
  type KeyedDeserializationSchema,
  NoCommittedOffsetError,
  NoPartitionsError,
  OffsetStoreError,
  PersistentKafkaSource,
  ProcessingError,
  RawBytesSchema,
  type RebalanceEvent,
  type RecordContext,
  type RunCheckpointedOptions,
  type RunCheckpointedResult,
  type RunOptions,
  runCheckpointed,
  SimpleStringSchema,
  type StartFrom,
  type StringKeyValue,
  StringKeyValueSchema,
  SubtaskClaimedError,
  SubtaskClaimUnavailableError,
} from './consumers/index.js';
export type { ConsumerMetrics, Logger, PartitionMetrics } from './consumers/observability.js';
// Producer and Flink's sinks
export {
  type Acks,
  type CompressionType,
  FixedPartitioner,
  FlinkKafkaProducer,
  InvalidRecordError,
  JsonSerializationSchema,
  type KafkaPartitioner,
  KafkaSink,
  type KeyedSerializationSchema,
  MaxBlockTimeoutError,
  type Partitioner,
  PartitionerError,
  type PartitionerInput,
  ProduceFailedError,
  Producer,
  ProducerClosedError,
  ProducerConfigError,
  type ProducerMetrics,
  type ProducerProperties,
  type ProducerRecord,
  type RecordMetadata,
  RecordTooLargeError,
  SerializationError,
  type SerializationSchema,
  StringSerializationSchema,
} from './producer/index.js';
export { KafkaProtocolError } from './protocol/error-codes.js';
// Errors from below the consumers that an application may meet and want to tell apart
export { CorruptError, Kafka08Error } from './protocol/errors.js';
export {
  ConnectionError,
  NoBrokerAvailableError,
  UnknownPartitionError,
  UnknownTopicError,
  UnsupportedBrokerError,
} from './simple-consumer/errors.js';
export {
  MessageTooLargeError,
  OffsetOutOfRangeError,
  PartitionUnreadableError,
  UndecodableResponseError,
} from './simple-consumer/fetch-engine/errors.js';
export type {
  FetchSizeGrownEvent,
  LeaderChangeEvent,
  OffsetResetEvent,
  PartitionStalledEvent,
  RetriableErrorEvent,
} from './simple-consumer/fetch-engine/events.js';
export type { ListenerErrorEvent } from './simple-consumer/guarded-emit.js';
