/**
 * OffsetFetch v0 (0.8.1+, reads ZooKeeper) and v1 (0.8.2, reads the coordinator) (api key 9).
 *
 *   OffsetFetchRequest (v0 and v1: same bytes) => ConsumerGroupId:string Topics
 *     Topics      => [TopicName:string Partitions]
 *     Partitions  => [Partition:int32]
 *
 *   OffsetFetchResponse => Topics
 *     Topics      => [TopicName:string Partitions]
 *     Partitions  => [Partition:int32 Offset:int64 Metadata:string ErrorCode:int16]
 *
 * "No committed offset" looks different per version: v0 answers Offset -1 with error 3
 * (UnknownTopicOrPartition), v1 answers Offset -1 with error 0. {@link committedOffset} folds
 * both into one answer. v1 with an empty topic list returns everything cached for the group.
 */
import {
  inContext,
  readTopics,
  writeNullableString,
  writeRequiredString,
  writeTopics,
} from './codec-util.js';
import { ErrorCode } from './error-codes.js';
import { CorruptError, ProtocolEncodeError } from './errors.js';
import type { Reader } from './reader.js';
import { ApiKey, type KafkaRequest } from './request.js';
import type { Writer } from './writer.js';

export interface OffsetFetchRequestTopic {
  topic: string;
  partitions: number[];
}

export interface OffsetFetchRequest {
  /** 0 reads ZooKeeper (any broker), 1 reads Kafka-stored offsets (the coordinator only). */
  version: 0 | 1;
  consumerGroupId: string;
  topics: OffsetFetchRequestTopic[];
}

export interface OffsetFetchResponsePartition {
  partition: number;
  /** -1 when nothing is committed. */
  offset: bigint;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchResponseTopic {
  topic: string;
  partitions: OffsetFetchResponsePartition[];
}

export interface OffsetFetchResponse {
  topics: OffsetFetchResponseTopic[];
}

export function offsetFetchRequest(req: OffsetFetchRequest): KafkaRequest<OffsetFetchResponse> {
  if (req.version !== 0 && req.version !== 1) {
    throw new ProtocolEncodeError('OffsetFetchRequest.version', `${String(req.version)} is not 0 or 1`);
  }
  return {
    apiKey: ApiKey.OffsetFetch,
    apiVersion: req.version,
    expectsResponse: true,
    encodeBody: (w) => encodeOffsetFetchRequestBody(w, req),
    decodeResponse: decodeOffsetFetchResponseBody,
  };
}

export type CommittedOffset =
  | { kind: 'offset'; offset: bigint; metadata: string | null }
  | { kind: 'none' }
  | { kind: 'error'; errorCode: number };

/**
 * What one partition's answer means. For v0, error 3 is read as "none": only trust that once
 * metadata has confirmed the topic exists.
 */
export function committedOffset(version: 0 | 1, p: OffsetFetchResponsePartition): CommittedOffset {
  if (version === 0 && p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return { kind: 'none' };
  if (p.errorCode !== ErrorCode.NONE) return { kind: 'error', errorCode: p.errorCode };
  if (p.offset < 0n) return { kind: 'none' };
  return { kind: 'offset', offset: p.offset, metadata: p.metadata };
}

export function encodeOffsetFetchRequestBody(w: Writer, req: OffsetFetchRequest): void {
  writeRequiredString(w, req.consumerGroupId, 'OffsetFetchRequest.consumerGroupId');
  writeTopics(w, req.topics, 'OffsetFetchRequest', (p, P) => w.int32(p, P));
}

/** `apiVersion` comes from the request header; both versions share these bytes. */
export function decodeOffsetFetchRequestBody(r: Reader, apiVersion: number): OffsetFetchRequest {
  if (apiVersion !== 0 && apiVersion !== 1) {
    throw new CorruptError('bad-value', `unsupported version ${apiVersion}`, r.pos, 'OffsetFetchRequest');
  }
  const consumerGroupId = r.string('OffsetFetchRequest.consumerGroupId');
  const topics: OffsetFetchRequestTopic[] = readTopics(r, 'OffsetFetchRequest', 4, (r, P) => r.int32(P));
  r.expectEnd('OffsetFetchRequest');
  return { version: apiVersion, consumerGroupId, topics };
}

export function encodeOffsetFetchResponseBody(w: Writer, resp: OffsetFetchResponse): void {
  writeTopics(w, resp.topics, 'OffsetFetchResponse', (p, P) =>
    inContext({ partition: p.partition }, () => {
      w.int32(p.partition, `${P}.partition`);
      w.int64(p.offset, `${P}.offset`);
      writeNullableString(w, p.metadata, `${P}.metadata`);
      w.int16(p.errorCode, `${P}.errorCode`);
    }),
  );
}

export function decodeOffsetFetchResponseBody(r: Reader): OffsetFetchResponse {
  // A partition entry is at least 4+8+2+2 bytes.
  const topics: OffsetFetchResponseTopic[] = readTopics(r, 'OffsetFetchResponse', 16, (r, P) => {
    const partition = r.int32(`${P}.partition`);
    return inContext(
      { partition },
      (): OffsetFetchResponsePartition => ({
        partition,
        offset: r.int64(`${P}.offset`),
        metadata: r.nullableString(`${P}.metadata`),
        errorCode: r.int16(`${P}.errorCode`),
      }),
    );
  });
  r.expectEnd('OffsetFetchResponse');
  return { topics };
}
