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
import { inContext, writeArray, writeRequiredString } from './codec-util.js';
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

const RQ = 'OffsetsRequest.topics[]';
const RQP = 'OffsetsRequest.topics[].partitions[]';

export function encodeOffsetsRequestBody(w: Writer, req: OffsetsRequest): void {
  writeConsumerReplicaId(w, req.replicaId, 'OffsetsRequest.replicaId');
  writeArray(w, req.topics, 'OffsetsRequest.topics', (t) =>
    inContext({ topic: t.topic }, () => {
      writeRequiredString(w, t.topic, `${RQ}.topic`);
      writeArray(w, t.partitions, `${RQ}.partitions`, (p) =>
        inContext({ partition: p.partition }, () => {
          w.int32(p.partition, `${RQP}.partition`);
          w.int64(p.timeMs, `${RQP}.timeMs`);
          w.int32(p.maxNumberOfOffsets, `${RQP}.maxNumberOfOffsets`);
        }),
      );
    }),
  );
}

export function decodeOffsetsRequestBody(r: Reader): OffsetsRequest {
  const replicaId = r.int32('OffsetsRequest.replicaId');
  // Minimum element sizes: topic 2+4, partition 4+8+4.
  const topics = r.array('OffsetsRequest.topics', 6, (r): OffsetsRequestTopic => {
    const topic = r.string(`${RQ}.topic`);
    const partitions = inContext({ topic }, () =>
      r.array(`${RQ}.partitions`, 16, (r) => ({
        partition: r.int32(`${RQP}.partition`),
        timeMs: r.int64(`${RQP}.timeMs`),
        maxNumberOfOffsets: r.int32(`${RQP}.maxNumberOfOffsets`),
      })),
    );
    return { topic, partitions };
  });
  r.expectEnd('OffsetsRequest');
  return { replicaId, topics };
}

const T = 'OffsetsResponse.topics[]';
const P = 'OffsetsResponse.topics[].partitions[]';

export function encodeOffsetsResponseBody(w: Writer, resp: OffsetsResponse): void {
  writeArray(w, resp.topics, 'OffsetsResponse.topics', (t) =>
    inContext({ topic: t.topic }, () => {
      writeRequiredString(w, t.topic, `${T}.topic`);
      writeArray(w, t.partitions, `${T}.partitions`, (p) =>
        inContext({ partition: p.partition }, () => {
          w.int32(p.partition, `${P}.partition`);
          w.int16(p.errorCode, `${P}.errorCode`);
          writeArray(w, p.offsets, `${P}.offsets`, (o) => w.int64(o, `${P}.offsets[]`));
        }),
      );
    }),
  );
}

export function decodeOffsetsResponseBody(r: Reader): OffsetsResponse {
  // Minimum element sizes: topic 2+4, partition 4+2+4, offset 8.
  const topics = r.array('OffsetsResponse.topics', 6, (r): OffsetsResponseTopic => {
    const topic = r.string(`${T}.topic`);
    const partitions = inContext({ topic }, () =>
      r.array(`${T}.partitions`, 10, (r): OffsetsResponsePartition => {
        const partition = r.int32(`${P}.partition`);
        return inContext({ partition }, () => ({
          partition,
          errorCode: r.int16(`${P}.errorCode`),
          offsets: r.array(`${P}.offsets`, 8, (r) => r.int64(`${P}.offsets[]`)),
        }));
      }),
    );
    return { topic, partitions };
  });
  r.expectEnd('OffsetsResponse');
  return { topics };
}
