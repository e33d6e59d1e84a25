/**
 * Fetch v0 (api key 1).
 *
 *   FetchRequest  => ReplicaId:int32 MaxWaitTime:int32 MinBytes:int32 Topics
 *     Topics      => [TopicName:string Partitions]
 *     Partitions  => [Partition:int32 FetchOffset:int64 MaxBytes:int32]
 *
 *   FetchResponse => Topics
 *     Topics      => [TopicName:string Partitions]
 *     Partitions  => [Partition:int32 ErrorCode:int16 HighwaterMarkOffset:int64
 *                     MessageSetSize:int32 MessageSet:bytes(MessageSetSize)]
 *
 * MessageSetSize -1 never comes from 0.8, but Kafka 3.x sends it (a null record set) with error
 * 76 or 35 for a partition it cannot down-convert for a v0 client (zstd data, or
 * `message.downconversion.enable=false`). It is that partition's problem, not a corrupt
 * response: decoded as an empty set flagged `nullMessageSet`, so the partitions beside it stay
 * readable. Any other negative size is corrupt.
 *
 * The MessageSet stays an opaque zero-copy view here: it may end in a partial entry and its
 * parser lives elsewhere. Each one is cut from its own `MessageSetSize` sub-region, so a bad
 * set cannot make this decoder misread the partitions that follow it.
 */
import { inContext, readTopics, writeBytes, writeTopics } from './codec-util.js';
import { ProtocolEncodeError } from './errors.js';
import { FetchCrcWalker } from './fetch-crc-walker.js';
import type { Reader } from './reader.js';
import { ApiKey, type KafkaRequest } from './request.js';
import type { Writer } from './writer.js';

const NULL_SIZE = -1;
const EMPTY = Buffer.alloc(0);

/** ReplicaId of an ordinary consumer; -2 is the "debugging consumer" that may read a follower. */
export const CONSUMER_REPLICA_ID = -1;
export const DEBUGGING_REPLICA_ID = -2;

export interface FetchRequestPartition {
  partition: number;
  fetchOffset: bigint;
  /** Per-partition cap; a message larger than this is never returned whole by a v0 broker. */
  maxBytes: number;
}

export interface FetchRequestTopic {
  topic: string;
  partitions: FetchRequestPartition[];
}

export interface FetchRequest {
  /** -1 (default) or -2. A value >= 0 would make the broker treat us as a follower replica. */
  replicaId?: number;
  maxWaitMs: number;
  minBytes: number;
  topics: FetchRequestTopic[];
}

export interface FetchResponsePartition {
  partition: number;
  errorCode: number;
  /** Offset of the next message to be committed; -1 with an error. */
  highWatermark: bigint;
  /** Raw MessageSet bytes (a view into the response frame), possibly ending in a partial entry. */
  messageSet: Buffer;
  /** True when the broker sent MessageSetSize -1 (Kafka 3.x, see above); `messageSet` is then empty. */
  nullMessageSet?: boolean;
  /**
   * Leading bytes of `messageSet` made of whole entries whose CRCs were checked while the frame
   * arrived (see FetchCrcWalker); absent when none were. A verification may skip those CRCs.
   */
  crcCheckedBytes?: number;
}

export interface FetchResponseTopic {
  topic: string;
  partitions: FetchResponsePartition[];
}

export interface FetchResponse {
  topics: FetchResponseTopic[];
}

export function fetchRequest(req: FetchRequest): KafkaRequest<FetchResponse> {
  const walker = new FetchCrcWalker();
  return {
    apiKey: ApiKey.Fetch,
    apiVersion: 0,
    expectsResponse: true,
    encodeBody: (w) => encodeFetchRequestBody(w, req),
    decodeResponse: (r) => decodeFetchResponseBody(r, walker),
    responseBytesBound: fetchResponseBound(req),
    watchResponse: (frame, filled) => walker.advance(frame, filled),
  };
}

/** Correlation id and topic count; per topic its name and partition count; per partition 18 bytes. */
const RESPONSE_HEAD = 4 + 4;
const TOPIC_HEAD = 2 + 4;
const PARTITION_HEAD = 4 + 2 + 8 + 4;

/**
 * The largest answer a v0 broker can give `req`: a partition's set is at most its MaxBytes.
 * Only a hint for the connection's allocation; a bigger answer is still read, just in pieces.
 */
function fetchResponseBound(req: FetchRequest): number {
  let n = RESPONSE_HEAD;
  for (const t of req.topics) {
    n += TOPIC_HEAD + Buffer.byteLength(t.topic, 'utf8');
    for (const p of t.partitions) n += PARTITION_HEAD + Math.max(0, p.maxBytes);
  }
  return n;
}

/** Only consumer replica ids may be sent; shared with the Offsets request. */
export function writeConsumerReplicaId(w: Writer, replicaId: number | undefined, field: string): void {
  const id = replicaId ?? CONSUMER_REPLICA_ID;
  if (id !== CONSUMER_REPLICA_ID && id !== DEBUGGING_REPLICA_ID) {
    throw new ProtocolEncodeError(field, `${id} is not a consumer replica id (-1 or -2)`);
  }
  w.int32(id, field);
}

export function encodeFetchRequestBody(w: Writer, req: FetchRequest): void {
  writeConsumerReplicaId(w, req.replicaId, 'FetchRequest.replicaId');
  w.int32(req.maxWaitMs, 'FetchRequest.maxWaitMs');
  w.int32(req.minBytes, 'FetchRequest.minBytes');
  writeTopics(w, req.topics, 'FetchRequest', (p, P) =>
    inContext({ partition: p.partition, offset: p.fetchOffset }, () => {
      w.int32(p.partition, `${P}.partition`);
      w.int64(p.fetchOffset, `${P}.fetchOffset`);
      w.int32(p.maxBytes, `${P}.maxBytes`);
    }),
  );
}

export function decodeFetchRequestBody(r: Reader): FetchRequest {
  const replicaId = r.int32('FetchRequest.replicaId');
  const maxWaitMs = r.int32('FetchRequest.maxWaitMs');
  const minBytes = r.int32('FetchRequest.minBytes');
  // A partition entry is at least 4+8+4 bytes.
  const topics: FetchRequestTopic[] = readTopics(r, 'FetchRequest', 16, (r, P) => ({
    partition: r.int32(`${P}.partition`),
    fetchOffset: r.int64(`${P}.fetchOffset`),
    maxBytes: r.int32(`${P}.maxBytes`),
  }));
  r.expectEnd('FetchRequest');
  return { replicaId, maxWaitMs, minBytes, topics };
}

export function encodeFetchResponseBody(w: Writer, resp: FetchResponse): void {
  writeTopics(w, resp.topics, 'FetchResponse', (p, P) =>
    inContext({ partition: p.partition }, () => {
      w.int32(p.partition, `${P}.partition`);
      w.int16(p.errorCode, `${P}.errorCode`);
      w.int64(p.highWatermark, `${P}.highWatermark`);
      if (p.nullMessageSet === true) {
        if (p.messageSet.length > 0)
          throw new ProtocolEncodeError(`${P}.messageSet`, 'a null message set cannot carry bytes');
        w.int32(NULL_SIZE, `${P}.messageSetSize`);
      } else writeBytes(w, p.messageSet, `${P}.messageSet`);
    }),
  );
}

/** `walker`, when given, was fed this response's frame as it arrived: its CRC claims are attached. */
export function decodeFetchResponseBody(r: Reader, walker?: FetchCrcWalker): FetchResponse {
  // A partition entry is at least 4+2+8+4 bytes.
  const topics: FetchResponseTopic[] = readTopics(r, 'FetchResponse', 18, (r, P, topic) => {
    const partition = r.int32(`${P}.partition`);
    return inContext({ partition }, (): FetchResponsePartition => {
      const errorCode = r.int16(`${P}.errorCode`);
      const highWatermark = r.int64(`${P}.highWatermark`);
      const size = r.int32(`${P}.messageSetSize`);
      if (size === NULL_SIZE)
        return { partition, errorCode, highWatermark, messageSet: EMPTY, nullMessageSet: true };
      const crcCheckedBytes = walker === undefined ? 0 : walker.checkedBytes(r.buf, r.pos);
      const messageSet = r.sub(size, `${P}.messageSet`, { topic, partition }).rest();
      if (crcCheckedBytes === 0) return { partition, errorCode, highWatermark, messageSet };
      return { partition, errorCode, highWatermark, messageSet, crcCheckedBytes };
    });
  });
  r.expectEnd('FetchResponse');
  return { topics };
}
