import type { AutoOffsetReset } from '../simple-consumer/fetch-engine/index.js';
import type { Logger } from './observability.js';

/** Where to start when the checkpoint does not say: see `resolveStartPosition`. */
export type StartFrom =
  | 'group'
  | 'earliest'
  | 'latest'
  /** Exact next offsets per partition; partitions not listed start as with `group`. */
  | { specificOffsets: readonly { topic: string; partition: number; offset: bigint }[] };

/** The typed (camelCase) form. Every Kafka-named property has a camelCase twin here. */
export interface ConsumerOptions {
  /**
   * `bootstrap.servers` (alias `metadata.broker.list`): `host:port,host:port`. Required, except
   * for KafkaSource, which reads brokers from ZooKeeper ('' when not given).
   */
  bootstrapServers: string;
  /** `zookeeper.connect`: `host:port[,host:port][/chroot]`. Required, as in Flink. */
  zookeeperConnect: string;
  /** `group.id`. Required. */
  groupId: string;
  /** `client.id` (default: the group id). */
  clientId: string;
  /** `zookeeper.session.timeout.ms` (6000); validated, kept for the ZooKeeper client to come. */
  zookeeperSessionTimeoutMs: number;
  /** `zookeeper.connection.timeout.ms` (6000); validated, kept for the ZooKeeper client to come. */
  zookeeperConnectionTimeoutMs: number;
  /** `auto.offset.reset` (`largest`): smallest|earliest, largest|latest, or none. */
  autoOffsetReset: AutoOffsetReset;
  /** `fetch.message.max.bytes` (1 MiB): the per-partition fetch size. */
  fetchMessageMaxBytes: number;
  /**
   * `fetch.message.max.bytes.ceiling` (default: `fetch.message.max.bytes`): the fetch size may grow
   * to this for one message that does not fit; a larger message raises MessageTooLargeError.
   */
  fetchMessageMaxBytesCeiling: number;
  /** `fetch.wait.max.ms` (100). */
  fetchWaitMaxMs: number;
  /** `fetch.min.bytes` (1). */
  fetchMinBytes: number;
  /** `socket.timeout.ms` (30000); must exceed `fetch.wait.max.ms`. */
  socketTimeoutMs: number;
  /** `socket.receive.buffer.bytes` (65536); accepted for compatibility, Node has no SO_RCVBUF. */
  socketReceiveBufferBytes: number;
  /** `auto.commit.enable` (true): commit periodically when not checkpointing. */
  autoCommitEnable: boolean;
  /** `auto.commit.interval.ms` (60000). */
  autoCommitIntervalMs: number;
  /** `offsets.storage` (`zookeeper`); `kafka` needs a 0.8.2 broker (FlinkKafkaConsumer082). */
  offsetsStorage: 'zookeeper' | 'kafka';
  /** `dual.commit.enabled` (true when offsets.storage=kafka): also write ZooKeeper. */
  dualCommitEnabled: boolean;
  /** `refresh.leader.backoff.ms` (200). */
  refreshLeaderBackoffMs: number;
  /** `flink.get-partitions.retry` (3): passes over the brokers when listing partitions. */
  getPartitionsRetry: number;
  /**
   * `flink.offsets.legacy-convention` (false): ZooKeeper holds Flink 0.9/0.10's "last processed
   * offset" (read value + 1 is where to resume). Only reads change; commits always use Kafka's
   * "next offset" convention, so a migrated group is converted by its first commit.
   */
  readLegacyOffsets: boolean;

  /** This instance's index among `parallelism` instances (0). */
  subtaskIndex: number;
  /** Number of instances sharing the topics (1). */
  parallelism: number;
  /**
   * Claim `subtaskIndex` in ZooKeeper (an ephemeral znode under the group), so a second live
   * instance with the same index, or another parallelism, fails to start instead of reading the
   * same partitions (default true; turn off only when something else guarantees uniqueness).
   */
  claimSubtask: boolean;
  /** Where to start when no state was restored (`group`). */
  startFrom: StartFrom;
  /**
   * The caller takes checkpoints (snapshotState / notifyCheckpointComplete), so offsets are
   * committed on checkpoint completion only, never periodically (default false).
   */
  checkpointing: boolean;
  /** Commit offsets at all (default true; false = never write the group's offsets, FLINK-3398). */
  commitOffsets: boolean;
  /** Bytes of fetched, not yet handed out data to hold (default {@link DEFAULT_CONSUMER_PREFETCH_BYTES}). */
  prefetchBytes: number;
  /**
   * Bytes one fetched batch's compressed wrappers may expand to (default 64 MiB); a batch over it
   * fails with a CorruptError instead of allocating more (a decompression bomb).
   */
  maxDecompressedBytes: number;
  /** Aborting it closes the consumer. */
  signal: AbortSignal | undefined;
  /** Where the consumer says what it does (connects, losses, leader moves, rebalances...); none by default. */
  logger: Logger | undefined;
  /** `metrics.interval.ms`: emit a `metrics` event this often (0, the default: never). */
  metricsIntervalMs: number;
}

type DottedKey = `${string}.${string}`;

/** Kafka-style properties (dotted names, string or typed values) mixed with the typed form. */
export type ConsumerProperties = Partial<ConsumerOptions> & {
  readonly [key: DottedKey]: string | number | boolean | undefined;
};

export type ConsumerConfig = Readonly<ConsumerOptions>;
