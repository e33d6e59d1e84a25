import {
  type ConsumerMetadataRequest,
  type ConsumerMetadataResponse,
  consumerMetadataRequest,
} from '../protocol/consumer-metadata.js';
import { errorForCode } from '../protocol/error-codes.js';
import { type FetchRequest, type FetchResponse, fetchRequest } from '../protocol/fetch.js';
import { type MetadataRequest, type MetadataResponse, metadataRequest } from '../protocol/metadata.js';
import {
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  offsetCommitRequest,
} from '../protocol/offset-commit.js';
import {
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  offsetFetchRequest,
} from '../protocol/offset-fetch.js';
import {
  EARLIEST_TIME,
  LATEST_TIME,
  type OffsetsRequest,
  type OffsetsResponse,
  offsetsRequest,
} from '../protocol/offsets.js';
import type { KafkaRequest } from '../protocol/request.js';
import type { BackoffOptions } from './backoff.js';
import { checkBrokerSupports, isBrokerGeneration } from './broker-version.js';
import { BrokerConnection, type SendOptions } from './connection.js';
import {
  ConnectionClosedError,
  ConnectionError,
  type KafkaBrokerGeneration,
  MissingOffsetError,
  RequestTimeoutError,
} from './errors.js';

export interface SimpleConsumerOptions {
  host: string;
  port: number;
  /**
   * Per-request timeout in ms, Java's `soTimeout` (default 30 000). A fetch gets its own
   * `maxWaitMs` on top, because the broker may legitimately hold it that long.
   */
  soTimeoutMs?: number;
  /**
   * Java's `bufferSize`, kept so ported code compiles unchanged, and deliberately **without effect**.
   * In Java it only sets the socket's SO_RCVBUF, a kernel hint that never limited response size
   * (a 64 KiB buffer happily receives a 1 MiB fetch). Node exposes no SO_RCVBUF for TCP sockets,
   * and treating it as a response bound instead would break every ported call site that passes
   * 64 KiB with a larger fetch size. The real memory bound is {@link maxResponseBytes}.
   */
  bufferSize?: number;
  /** Sent in every request header (default ""). */
  clientId?: string;
  /**
   * The broker generation (default '0.8.2'). 0.8 brokers cannot be asked, and '0.8.1' makes the
   * consumer refuse ConsumerMetadata and OffsetCommit/OffsetFetch v1, which a 0.8.1 broker lacks
   * (it would even misparse a v1 commit silently).
   */
  brokerVersion?: KafkaBrokerGeneration;
  /** Largest response frame accepted: the bound on what a broker can make us allocate (default ~101 MiB). */
  maxResponseBytes?: number;
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
}

/**
 * A port of Kafka 0.8's `kafka.javaapi.consumer.SimpleConsumer`: one broker, one connection,
 * one request at a time from the caller's view (pipelined underneath when calls overlap).
 * Responses are returned decoded with per-partition error codes left as values, as in Java;
 * transport failures and refused requests throw typed errors.
 *
 * Like Java, a request that failed because the connection broke is sent once more on a fresh
 * connection. Timeouts are not retried (the budget is spent), nor is anything after `close()`.
 */
export class SimpleConsumer {
  readonly host: string;
  readonly port: number;
  readonly soTimeoutMs: number;
  readonly bufferSize: number;
  readonly clientId: string;
  readonly brokerVersion: KafkaBrokerGeneration;
  private readonly connection: BrokerConnection;

  constructor(options: SimpleConsumerOptions) {
    this.host = options.host;
    this.port = options.port;
    this.soTimeoutMs = options.soTimeoutMs ?? 30_000;
    this.bufferSize = options.bufferSize ?? 64 * 1024;
    this.clientId = options.clientId ?? '';
    this.brokerVersion = options.brokerVersion ?? '0.8.2';
    if (!isBrokerGeneration(this.brokerVersion)) {
      throw new RangeError(`brokerVersion must be '0.8.1' or '0.8.2', got ${String(this.brokerVersion)}`);
    }
    if (!(this.soTimeoutMs > 0)) throw new RangeError('soTimeoutMs must be > 0');
    this.connection = new BrokerConnection({
      host: this.host,
      port: this.port,
      clientId: this.clientId,
      requestTimeoutMs: this.soTimeoutMs,
      ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    });
  }

  /** Topic metadata (Java's `send(TopicMetadataRequest)`); an empty list means every topic. */
  send(req: MetadataRequest | readonly string[]): Promise<MetadataResponse> {
    const topics = isStringArray(req) ? [...req] : req.topics;
    return this.request(metadataRequest({ topics }));
  }

  /**
   * One Fetch v0. The message sets come back raw (decode them with `decodeMessageSet` /
   * `forEachMessage`, passing the fetch offset so a compressed wrapper's earlier messages are
   * dropped). Times out after `soTimeoutMs + maxWaitMs`.
   */
  fetch(req: FetchRequest): Promise<FetchResponse> {
    return this.request(fetchRequest(req), { timeoutMs: this.soTimeoutMs + Math.max(0, req.maxWaitMs) });
  }

  /** Offsets v0 (Java's `getOffsetsBefore`); must reach the partition's leader. */
  getOffsetsBefore(req: OffsetsRequest): Promise<OffsetsResponse> {
    return this.request(offsetsRequest(req));
  }

  /**
   * Java's `earliestOrLatestOffset`: Offsets v0 with Max 1 for time -2 (log start) or -1 (high
   * watermark). Throws the partition's error as a KafkaProtocolError carrying topic/partition.
   */
  async earliestOrLatestOffset(topic: string, partition: number, timeMs: bigint): Promise<bigint> {
    const [offset] = await this.offsetsBefore(topic, partition, timeMs, 1);
    if (offset === undefined) throw new MissingOffsetError(topic, partition, timeMs);
    return offset;
  }

  /** Segment base offsets at or before `timeMs`, newest first (possibly none). */
  async offsetsBefore(
    topic: string,
    partition: number,
    timeMs: bigint,
    maxNumberOfOffsets: number,
  ): Promise<bigint[]> {
    const resp = await this.getOffsetsBefore({
      topics: [{ topic, partitions: [{ partition, timeMs, maxNumberOfOffsets }] }],
    });
    const p = resp.topics.find((t) => t.topic === topic)?.partitions.find((x) => x.partition === partition);
    if (p === undefined) throw new MissingOffsetError(topic, partition, timeMs);
    const error = errorForCode(p.errorCode, { topic, partition });
    if (error !== undefined) throw error;
    return p.offsets;
  }

  earliestOffset(topic: string, partition: number): Promise<bigint> {
    return this.earliestOrLatestOffset(topic, partition, EARLIEST_TIME);
  }

  latestOffset(topic: string, partition: number): Promise<bigint> {
    return this.earliestOrLatestOffset(topic, partition, LATEST_TIME);
  }

  /**
   * OffsetCommit. Version 0 stores in ZooKeeper (any broker), version 1 in Kafka (0.8.2 only, and
   * only the group's coordinator accepts it: find it with {@link consumerMetadata}).
   */
  commitOffsets(req: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    return this.request(offsetCommitRequest(req));
  }

  /**
   * OffsetFetch. "Nothing committed" is error 3 in version 0 and offset -1 with error 0 in
   * version 1; `committedOffset(version, partition)` folds the two.
   */
  fetchOffsets(req: OffsetFetchRequest): Promise<OffsetFetchResponse> {
    return this.request(offsetFetchRequest(req));
  }

  /** The coordinator of a consumer group (0.8.2 only). Error 15 until `__consumer_offsets` exists. */
  consumerMetadata(group: string | ConsumerMetadataRequest): Promise<ConsumerMetadataResponse> {
    const consumerGroup = typeof group === 'string' ? group : group.consumerGroup;
    return this.request(consumerMetadataRequest({ consumerGroup }));
  }

  /** Sends any codec request, after the broker-version check, with Java's retry-once on a broken connection. */
  async request<T>(request: KafkaRequest<T>, options: SendOptions = {}): Promise<T> {
    checkBrokerSupports(request, this.brokerVersion);
    try {
      return await this.connection.send(request, options);
    } catch (err) {
      if (
        !(err instanceof ConnectionError) ||
        err instanceof ConnectionClosedError ||
        err instanceof RequestTimeoutError
      ) {
        throw err;
      }
      return this.connection.send(request, options);
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

function isStringArray(v: MetadataRequest | readonly string[]): v is readonly string[] {
  return Array.isArray(v);
}
