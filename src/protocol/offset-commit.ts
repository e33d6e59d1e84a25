/**
 * OffsetCommit v0 (0.8.1+, stored in ZooKeeper) and v1 (0.8.2, stored in Kafka) (api key 8).
 *
 *   OffsetCommitRequest v0 => ConsumerGroupId:string Topics
 *     Topics               => [TopicName:string Partitions]
 *     Partitions           => [Partition:int32 Offset:int64 Metadata:string]
 *
 *   OffsetCommitRequest v1 => ConsumerGroupId:string ConsumerGroupGenerationId:int32
 *                             ConsumerId:string Topics
 *     Topics               => [TopicName:string Partitions]
 *     Partitions           => [Partition:int32 Offset:int64 Timestamp:int64 Metadata:string]
 *
 *   OffsetCommitResponse (v0 and v1) => Topics
 *     Topics               => [TopicName:string Partitions]
 *     Partitions           => [Partition:int32 ErrorCode:int16]
 *
 * v1 must go to the group's coordinator (find it with ConsumerMetadata); Timestamp -1 means
 * "broker time", and Kafka-stored offsets expire counted from it. 0.8.1 brokers do not check the
 * version and would misparse v1, so only v0 may go to them. The offset committed is the next
 * one to read. v0 ignores Metadata beyond checking its size.
 */
import {
  inContext,
  readTopics,
  writeNullableString,
  writeRequiredString,
  writeTopics,
} from './codec-util.js';
import { CorruptError, ProtocolEncodeError } from './errors.js';
import type { Reader } from './reader.js';
import { ApiKey, type KafkaRequest } from './request.js';
import type { Writer } from './writer.js';

/** OffsetCommit v1 timestamp meaning "let the broker use its own clock". */
export const BROKER_TIMESTAMP = -1n;

export interface OffsetCommitRequestPartitionV0 {
  partition: number;
  offset: bigint;
  /** Free-form; "" is what the Scala clients send. */
  metadata: string | null;
}

export interface OffsetCommitRequestPartitionV1 extends OffsetCommitRequestPartitionV0 {
  /** Commit time in ms since the epoch, or {@link BROKER_TIMESTAMP}. */
  timestampMs: bigint;
}

export interface OffsetCommitRequestV0 {
  version: 0;
  consumerGroupId: string;
  topics: { topic: string; partitions: OffsetCommitRequestPartitionV0[] }[];
}

export interface OffsetCommitRequestV1 {
  version: 1;
  consumerGroupId: string;
  /** -1 when not in a managed group; 0.8.2 does not check it. */
  consumerGroupGenerationId: number;
  /** "" when not in a managed group; 0.8.2 does not check it. */
  consumerId: string;
  topics: { topic: string; partitions: OffsetCommitRequestPartitionV1[] }[];
}

export type OffsetCommitRequest = OffsetCommitRequestV0 | OffsetCommitRequestV1;

export interface OffsetCommitResponsePartition {
  partition: number;
  errorCode: number;
}

export interface OffsetCommitResponseTopic {
  topic: string;
  partitions: OffsetCommitResponsePartition[];
}

export interface OffsetCommitResponse {
  topics: OffsetCommitResponseTopic[];
}

function checkVersion(version: unknown): 0 | 1 {
  if (version !== 0 && version !== 1) {
    throw new ProtocolEncodeError('OffsetCommitRequest.version', `${String(version)} is not 0 or 1`);
  }
  return version;
}

export function offsetCommitRequest(req: OffsetCommitRequest): KafkaRequest<OffsetCommitResponse> {
  return {
    apiKey: ApiKey.OffsetCommit,
    apiVersion: checkVersion(req.version),
    expectsResponse: true,
    encodeBody: (w) => encodeOffsetCommitRequestBody(w, req),
    decodeResponse: decodeOffsetCommitResponseBody,
  };
}

export function encodeOffsetCommitRequestBody(w: Writer, req: OffsetCommitRequest): void {
  const version = checkVersion(req.version);
  writeRequiredString(w, req.consumerGroupId, 'OffsetCommitRequest.consumerGroupId');
  if (req.version === 1) {
    w.int32(req.consumerGroupGenerationId, 'OffsetCommitRequest.consumerGroupGenerationId');
    writeRequiredString(w, req.consumerId, 'OffsetCommitRequest.consumerId');
  } else {
    // Untyped callers could mix versions; a v1 field on a v0 commit would be silently dropped.
    for (const f of ['consumerGroupGenerationId', 'consumerId'] as const) {
      if (f in req) throw new ProtocolEncodeError(`OffsetCommitRequest.${f}`, 'only exists in version 1');
    }
  }
  const topics: readonly { topic: string; partitions: readonly OffsetCommitRequestPartitionV0[] }[] =
    req.topics;
  writeTopics(w, topics, 'OffsetCommitRequest', (p, P) =>
    inContext({ partition: p.partition, offset: p.offset }, () => {
      w.int32(p.partition, `${P}.partition`);
      w.int64(p.offset, `${P}.offset`);
      const ts = (p as Partial<OffsetCommitRequestPartitionV1>).timestampMs;
      if (version === 1) {
        if (ts === undefined) throw new ProtocolEncodeError(`${P}.timestampMs`, 'required in version 1');
        w.int64(ts, `${P}.timestampMs`);
      } else if (ts !== undefined) {
        throw new ProtocolEncodeError(`${P}.timestampMs`, 'only exists in version 1');
      }
      writeNullableString(w, p.metadata, `${P}.metadata`);
    }),
  );
}

/** `apiVersion` comes from the request header; the body alone does not say which layout it is. */
export function decodeOffsetCommitRequestBody(r: Reader, apiVersion: number): OffsetCommitRequest {
  if (apiVersion !== 0 && apiVersion !== 1) {
    throw new CorruptError('bad-value', `unsupported version ${apiVersion}`, r.pos, 'OffsetCommitRequest');
  }
  const consumerGroupId = r.string('OffsetCommitRequest.consumerGroupId');
  if (apiVersion === 1) {
    const consumerGroupGenerationId = r.int32('OffsetCommitRequest.consumerGroupGenerationId');
    const consumerId = r.string('OffsetCommitRequest.consumerId');
    // A v1 partition entry is at least 4+8+8+2 bytes.
    const topics = readTopics(r, 'OffsetCommitRequest', 22, (r, P) => {
      const partition = r.int32(`${P}.partition`);
      const offset = r.int64(`${P}.offset`);
      const timestampMs = r.int64(`${P}.timestampMs`);
      return { partition, offset, timestampMs, metadata: r.nullableString(`${P}.metadata`) };
    });
    r.expectEnd('OffsetCommitRequest');
    return { version: 1, consumerGroupId, consumerGroupGenerationId, consumerId, topics };
  }
  // A v0 partition entry is at least 4+8+2 bytes.
  const topics = readTopics(r, 'OffsetCommitRequest', 14, (r, P) => ({
    partition: r.int32(`${P}.partition`),
    offset: r.int64(`${P}.offset`),
    metadata: r.nullableString(`${P}.metadata`),
  }));
  r.expectEnd('OffsetCommitRequest');
  return { version: 0, consumerGroupId, topics };
}

export function encodeOffsetCommitResponseBody(w: Writer, resp: OffsetCommitResponse): void {
  writeTopics(w, resp.topics, 'OffsetCommitResponse', (p, P) =>
    inContext({ partition: p.partition }, () => {
      w.int32(p.partition, `${P}.partition`);
      w.int16(p.errorCode, `${P}.errorCode`);
    }),
  );
}

export function decodeOffsetCommitResponseBody(r: Reader): OffsetCommitResponse {
  // A partition entry is 4+2 bytes.
  const topics: OffsetCommitResponseTopic[] = readTopics(r, 'OffsetCommitResponse', 6, (r, P) => ({
    partition: r.int32(`${P}.partition`),
    errorCode: r.int16(`${P}.errorCode`),
  }));
  r.expectEnd('OffsetCommitResponse');
  return { topics };
}
