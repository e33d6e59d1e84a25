/**
 * Metadata v0 (api key 3).
 *
 *   MetadataRequest  => Topics
 *     Topics         => [TopicName:string]          empty array = every topic
 *
 *   MetadataResponse => Brokers TopicMetadata
 *     Brokers        => [NodeId:int32 Host:string Port:int32]
 *     TopicMetadata  => [TopicErrorCode:int16 TopicName:string Partitions]
 *     Partitions     => [PartitionErrorCode:int16 PartitionId:int32 Leader:int32
 *                        Replicas:[int32] Isr:[int32]]
 *
 * Naming a topic that does not exist can create it (auto.create.topics.enable), answering
 * error 5 with no partitions. Partition error 9 with a leader present only means a replica is
 * down: see {@link effectivePartitionErrorCode}.
 */
import { inContext, writeArray, writeRequiredString } from './codec-util.js';
import { ErrorCode } from './error-codes.js';
import type { Reader } from './reader.js';
import { ApiKey, type KafkaRequest } from './request.js';
import type { Writer } from './writer.js';

export interface MetadataRequest {
  /** Topic names; an empty list asks for every topic. */
  topics: string[];
}

export interface BrokerMetadata {
  nodeId: number;
  host: string;
  port: number;
}

export interface PartitionMetadata {
  errorCode: number;
  partition: number;
  /** Broker id of the leader, -1 when there is none. */
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicMetadata {
  errorCode: number;
  topic: string;
  partitions: PartitionMetadata[];
}

export interface MetadataResponse {
  brokers: BrokerMetadata[];
  topics: TopicMetadata[];
}

export function metadataRequest(req: MetadataRequest): KafkaRequest<MetadataResponse> {
  return {
    apiKey: ApiKey.Metadata,
    apiVersion: 0,
    expectsResponse: true,
    encodeBody: (w) => encodeMetadataRequestBody(w, req),
    decodeResponse: decodeMetadataResponseBody,
  };
}

/**
 * The partition's error code as a consumer should act on it: ReplicaNotAvailable (9) with a
 * live leader is informational, so it reads as 0.
 */
export function effectivePartitionErrorCode(p: PartitionMetadata): number {
  return p.errorCode === ErrorCode.REPLICA_NOT_AVAILABLE && p.leader >= 0 ? ErrorCode.NONE : p.errorCode;
}

export function encodeMetadataRequestBody(w: Writer, req: MetadataRequest): void {
  writeArray(w, req.topics, 'MetadataRequest.topics', (t) =>
    writeRequiredString(w, t, 'MetadataRequest.topics[]'),
  );
}

export function decodeMetadataRequestBody(r: Reader): MetadataRequest {
  const topics = r.array('MetadataRequest.topics', 2, (r) => r.string('MetadataRequest.topics[]'));
  r.expectEnd('MetadataRequest');
  return { topics };
}

const B = 'MetadataResponse.brokers[]';
const T = 'MetadataResponse.topics[]';
const P = 'MetadataResponse.topics[].partitions[]';

export function encodeMetadataResponseBody(w: Writer, resp: MetadataResponse): void {
  writeArray(w, resp.brokers, 'MetadataResponse.brokers', (b) => {
    w.int32(b.nodeId, `${B}.nodeId`);
    writeRequiredString(w, b.host, `${B}.host`);
    w.int32(b.port, `${B}.port`);
  });
  writeArray(w, resp.topics, 'MetadataResponse.topics', (t) =>
    inContext({ topic: t.topic }, () => {
      w.int16(t.errorCode, `${T}.errorCode`);
      writeRequiredString(w, t.topic, `${T}.topic`);
      writeArray(w, t.partitions, `${T}.partitions`, (p) =>
        inContext({ partition: p.partition }, () => {
          w.int16(p.errorCode, `${P}.errorCode`);
          w.int32(p.partition, `${P}.partition`);
          w.int32(p.leader, `${P}.leader`);
          writeArray(w, p.replicas, `${P}.replicas`, (id) => w.int32(id, `${P}.replicas[]`));
          writeArray(w, p.isr, `${P}.isr`, (id) => w.int32(id, `${P}.isr[]`));
        }),
      );
    }),
  );
}

export function decodeMetadataResponseBody(r: Reader): MetadataResponse {
  // Minimum element sizes: broker 4+2+4, topic 2+2+4, partition 2+4+4+4+4, broker id 4.
  const brokers = r.array('MetadataResponse.brokers', 10, (r) => ({
    nodeId: r.int32(`${B}.nodeId`),
    host: r.string(`${B}.host`),
    port: r.int32(`${B}.port`),
  }));
  const topics = r.array('MetadataResponse.topics', 8, (r): TopicMetadata => {
    const errorCode = r.int16(`${T}.errorCode`);
    const topic = r.string(`${T}.topic`);
    const partitions = inContext({ topic }, () =>
      r.array(`${T}.partitions`, 18, (r): PartitionMetadata => {
        const errorCode = r.int16(`${P}.errorCode`);
        const partition = r.int32(`${P}.partition`);
        return inContext({ partition }, () => ({
          errorCode,
          partition,
          leader: r.int32(`${P}.leader`),
          replicas: r.array(`${P}.replicas`, 4, (r) => r.int32(`${P}.replicas[]`)),
          isr: r.array(`${P}.isr`, 4, (r) => r.int32(`${P}.isr[]`)),
        }));
      }),
    );
    return { errorCode, topic, partitions };
  });
  r.expectEnd('MetadataResponse');
  return { brokers, topics };
}
