import { type ErrorContext, Kafka08Error } from './errors.js';

/**
 * Broker error codes as data. Names follow the later Java client (`Errors.java`) because they
 * are the ones people search for; the 0.8.2 Scala name is kept in the description. `retriable`
 * follows how the Java client classifies the same code, as the reference (§4) records it.
 */
export interface KafkaErrorCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
  readonly description: string;
}

export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_FOR_PARTITION: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10,
  STALE_CONTROLLER_EPOCH: 11,
  OFFSET_METADATA_TOO_LARGE: 12,
  STALE_LEADER_EPOCH: 13,
  OFFSETS_LOAD_IN_PROGRESS: 14,
  CONSUMER_COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR_FOR_CONSUMER: 16,
  INVALID_TOPIC: 17,
  MESSAGE_SET_SIZE_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_VERSION: 35,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  POLICY_VIOLATION: 44,
  KAFKA_STORAGE_ERROR: 56,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_RECORD: 87,
} as const;

function info(code: number, name: string, retriable: boolean, description: string): KafkaErrorCodeInfo {
  return Object.freeze({ code, name, retriable, description });
}

export const KAFKA_ERROR_CODES: readonly KafkaErrorCodeInfo[] = Object.freeze([
  info(
    -1,
    'UNKNOWN_SERVER_ERROR',
    false,
    'Unknown: unexpected exception on the broker; back off, refresh metadata, retry',
  ),
  info(0, 'NONE', false, 'NoError'),
  info(1, 'OFFSET_OUT_OF_RANGE', false, 'OffsetOutOfRange: the fetch offset is outside [log start, log end]'),
  info(2, 'CORRUPT_MESSAGE', true, 'InvalidMessage: CRC mismatch or corrupt message'),
  info(
    3,
    'UNKNOWN_TOPIC_OR_PARTITION',
    true,
    'UnknownTopicOrPartition: this broker does not host the partition (OffsetFetch v0: no committed offset)',
  ),
  info(4, 'INVALID_FETCH_SIZE', false, 'InvalidFetchSize: the requested fetch size is invalid'),
  info(
    5,
    'LEADER_NOT_AVAILABLE',
    true,
    'LeaderNotAvailable: leader election in progress or topic just created',
  ),
  info(
    6,
    'NOT_LEADER_FOR_PARTITION',
    true,
    'NotLeaderForPartition: the request went to a broker that is not the leader',
  ),
  info(7, 'REQUEST_TIMED_OUT', true, 'RequestTimedOut: broker-side timeout waiting for acks or a commit'),
  info(8, 'BROKER_NOT_AVAILABLE', false, 'BrokerNotAvailable: the broker is not available'),
  info(
    9,
    'REPLICA_NOT_AVAILABLE',
    false,
    'ReplicaNotAvailable: a replica or ISR member is down (harmless in metadata when a leader is present)',
  ),
  info(10, 'MESSAGE_TOO_LARGE', false, 'MessageSizeTooLarge: a produced message exceeds message.max.bytes'),
  info(11, 'STALE_CONTROLLER_EPOCH', false, 'StaleControllerEpoch: broker-to-broker only'),
  info(
    12,
    'OFFSET_METADATA_TOO_LARGE',
    false,
    'OffsetMetadataTooLarge: commit metadata exceeds offset.metadata.max.bytes',
  ),
  info(
    13,
    'STALE_LEADER_EPOCH',
    false,
    'StaleLeaderEpoch: broker-to-broker only in 0.8 (later reused as NETWORK_EXCEPTION)',
  ),
  info(
    14,
    'OFFSETS_LOAD_IN_PROGRESS',
    true,
    'OffsetsLoadInProgress: the coordinator is loading the offsets partition',
  ),
  info(
    15,
    'CONSUMER_COORDINATOR_NOT_AVAILABLE',
    true,
    'ConsumerCoordinatorNotAvailable: the offsets topic is missing or has no leader',
  ),
  info(
    16,
    'NOT_COORDINATOR_FOR_CONSUMER',
    true,
    'NotCoordinatorForConsumer: this broker is not the coordinator for the group',
  ),
  info(17, 'INVALID_TOPIC', false, 'InvalidTopic: illegal topic name or a write to an internal topic'),
  info(
    18,
    'MESSAGE_SET_SIZE_TOO_LARGE',
    false,
    'MessageSetSizeTooLarge: a produced message set exceeds the segment size',
  ),
  info(19, 'NOT_ENOUGH_REPLICAS', true, 'NotEnoughReplicas: the ISR is smaller than min.insync.replicas'),
  info(
    20,
    'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
    true,
    'NotEnoughReplicasAfterAppend: written, but to too few replicas',
  ),
  info(21, 'INVALID_REQUIRED_ACKS', false, 'Newer broker: a Produce request with acks other than -1, 0 or 1'),
  info(
    22,
    'ILLEGAL_GENERATION',
    false,
    'Newer broker: OffsetCommit v1 against a group a modern consumer is managing',
  ),
  info(24, 'INVALID_GROUP_ID', false, 'Newer broker: an offset request named an empty or invalid group'),
  info(
    25,
    'UNKNOWN_MEMBER_ID',
    false,
    'Newer broker: OffsetCommit v1 with a member id the coordinator does not know',
  ),
  info(27, 'REBALANCE_IN_PROGRESS', false, 'Newer broker: the group is rebalancing'),
  info(28, 'INVALID_COMMIT_OFFSET_SIZE', false, 'Newer broker: the offset commit was too large'),
  info(29, 'TOPIC_AUTHORIZATION_FAILED', false, 'Newer broker: not authorized to access the topic'),
  info(30, 'GROUP_AUTHORIZATION_FAILED', false, 'Newer broker: not authorized to access the group'),
  info(31, 'CLUSTER_AUTHORIZATION_FAILED', false, 'Newer broker: not authorized for a cluster action'),
  info(
    32,
    'INVALID_TIMESTAMP',
    false,
    "Newer broker: a message's timestamp is outside the topic's allowed range",
  ),
  info(
    35,
    'UNSUPPORTED_VERSION',
    false,
    'Newer broker: down-conversion disabled, or v0 offset commit/fetch on KRaft',
  ),
  info(
    42,
    'INVALID_REQUEST',
    false,
    'Newer broker: the request is malformed or not valid for this broker (its log says why)',
  ),
  info(
    43,
    'UNSUPPORTED_FOR_MESSAGE_FORMAT',
    false,
    "Newer broker: the topic's message format version does not support the request",
  ),
  info(44, 'POLICY_VIOLATION', false, "Newer broker: the request breaks the broker's configured policy"),
  info(
    56,
    'KAFKA_STORAGE_ERROR',
    true,
    "Newer broker: a disk error on the broker's log directory; the partition's leadership moves elsewhere",
  ),
  info(
    76,
    'UNSUPPORTED_COMPRESSION_TYPE',
    false,
    'Newer broker: the topic uses a codec (zstd) a v0 fetch cannot receive',
  ),
  info(
    87,
    'INVALID_RECORD',
    false,
    "Newer broker: the broker's validation refused a record or message set (its log says why)",
  ),
]);

const BY_CODE = new Map<number, KafkaErrorCodeInfo>(KAFKA_ERROR_CODES.map((e) => [e.code, e]));

/** Table entry for `code`; codes this client does not know get a synthesized, non-retriable entry. */
export function errorCodeInfo(code: number): KafkaErrorCodeInfo {
  return (
    BY_CODE.get(code) ??
    info(code, `UNKNOWN_ERROR_CODE_${code}`, false, `error code ${code} is not known to this client`)
  );
}

export function isRetriableErrorCode(code: number): boolean {
  return BY_CODE.get(code)?.retriable ?? false;
}

/** A broker-reported error code turned into a throwable, with the partition it concerns. */
export class KafkaProtocolError extends Kafka08Error {
  readonly code: number;
  readonly errorName: string;
  readonly retriable: boolean;
  readonly description: string;

  constructor(code: number, context: ErrorContext = {}) {
    const e = errorCodeInfo(code);
    const where = [
      context.topic === undefined ? undefined : `topic ${context.topic}`,
      context.partition === undefined ? undefined : `partition ${context.partition}`,
      context.offset === undefined ? undefined : `offset ${context.offset}`,
    ]
      .filter((s) => s !== undefined)
      .join(', ');
    super(`broker error ${e.name} (${code})${where ? ` for ${where}` : ''}: ${e.description}`, context);
    this.code = code;
    this.errorName = e.name;
    this.retriable = e.retriable;
    this.description = e.description;
  }
}

/** `undefined` for 0 (no error), a {@link KafkaProtocolError} for anything else, known or not. */
export function errorForCode(code: number, context?: ErrorContext): KafkaProtocolError | undefined {
  return code === ErrorCode.NONE ? undefined : new KafkaProtocolError(code, context);
}
