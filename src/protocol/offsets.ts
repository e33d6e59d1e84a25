/**
 * Offsets v0 (api key 2; later called ListOffsets).
 *
 *   OffsetsRequest  => ReplicaId:int32 Topics
 *     Topics        => [TopicName:string Partitions]
 *     Partitions    => [Partition:int32 Time:int64 MaxNumberOfOffsets:int32]
 *
 *   OffsetsResponse => Topics
 *     Topics        => [TopicName:string Partitions]
 *     Partitions    => [Partition:int32 ErrorCode:int16 Offsets:[int64]]
 *
 * Time -1 (latest) with MaxNumberOfOffsets 1 answers the high watermark; -2 (earliest) answers
 * the log start. Any other time gives segment base offsets, newest first. The answer is an
 * array, possibly empty, always in descending order.
 */
import { inContext, readTopics, writeArray, writeTopics } from './codec-util.js';
import { writeConsumerReplicaId } from './fetch.js';
import type { Reader } from './reader.js';
import { ApiKey, type KafkaRequest } from './request.js';
import type { Writer } from './writer.js';

export const LATEST_TIME = -1n;
export const EARLIEST_TIME = -2n;

export interface OffsetsRequestPartition {
  partition: number;
  /** Milliseconds since the epoch, or {@link LATEST_TIME} / {@link EARLIEST_TIME}. */
  timeMs: bigint;
  maxNumberOfOffsets: number;
}

export interface OffsetsRequestTopic {
  topic: string;
  partitions: OffsetsRequestPartition[];
}

export interface OffsetsRequest {
  /** -1 (default) or -2. */
  replicaId?: number;
  topics: OffsetsRequestTopic[];
}

export interface OffsetsResponsePartition {
  partition: number;
  errorCode: number;
  offsets: bigint[];
}

export interface OffsetsResponseTopic {
  topic: string;
  partitions: OffsetsResponsePartition[];
}

export interface OffsetsResponse {
  topics: OffsetsResponseTopic[];
}

export function offsetsRequest(req: OffsetsRequest): KafkaRequest<OffsetsResponse> {
  return {
    apiKey: ApiKey.Offsets,
    apiVersion: 0,
    expectsResponse: true,
    encodeBody: (w) => encodeOffsetsRequestBody(w, req),
    decodeResponse: decodeOffsetsResponseBody,
  };
}

export function encodeOffsetsRequestBody(w: Writer, req: OffsetsRequest): void {
  writeConsumerReplicaId(w, req.replicaId, 'OffsetsRequest.replicaId');
  writeTopics(w, req.topics, 'OffsetsRequest', (p, P) =>
    inContext({ partition: p.partition }, () => {
      w.int32(p.partition, `${P}.partition`);
      w.int64(p.timeMs, `${P}.timeMs`);
      w.int32(p.maxNumberOfOffsets, `${P}.maxNumberOfOffsets`);
    }),
  );
}

export function decodeOffsetsRequestBody(r: Reader): OffsetsRequest {
  const replicaId = r.int32('OffsetsRequest.replicaId');
  // A partition entry is at least 4+8+4 bytes.
  const topics: OffsetsRequestTopic[] = readTopics(r, 'OffsetsRequest', 16, (r, P) => ({
    partition: r.int32(`${P}.partition`),
    timeMs: r.int64(`${P}.timeMs`),
    maxNumberOfOffsets: r.int32(`${P}.maxNumberOfOffsets`),
  }));
  r.expectEnd('OffsetsRequest');
  return { replicaId, topics };
}

export function encodeOffsetsResponseBody(w: Writer, resp: OffsetsResponse): void {
  writeTopics(w, resp.topics, 'OffsetsResponse', (p, P) =>
    inContext({ partition: p.partition }, () => {
      w.int32(p.partition, `${P}.partition`);
      w.int16(p.errorCode, `${P}.errorCode`);
      writeArray(w, p.offsets, `${P}.offsets`, (o) => w.int64(o, `${P}.offsets[]`));
    }),
  );
}

export function decodeOffsetsResponseBody(r: Reader): OffsetsResponse {
  // A partition entry is at least 4+2+4 bytes; each offset 8.
  const topics: OffsetsResponseTopic[] = readTopics(r, 'OffsetsResponse', 10, (r, P) => {
    const partition = r.int32(`${P}.partition`);
    return inContext(
      { partition },
      (): OffsetsResponsePartition => ({
        partition,
        errorCode: r.int16(`${P}.errorCode`),
        offsets: r.array(`${P}.offsets`, 8, (r) => r.int64(`${P}.offsets[]`)),
      }),
    );
  });
  r.expectEnd('OffsetsResponse');
  return { topics };
}
