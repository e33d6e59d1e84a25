/**
 * Produce v0 (api key 0).
 *
 *   ProduceRequest  => RequiredAcks:int16 Timeout:int32 Topics
 *     Topics        => [TopicName:string Partitions]
 *     Partitions    => [Partition:int32 MessageSetSize:int32 MessageSet:bytes(MessageSetSize)]
 *
 *   ProduceResponse => Topics
 *     Topics        => [TopicName:string Partitions]
 *     Partitions    => [Partition:int32 ErrorCode:int16 Offset:int64]
 *
 * RequiredAcks 0 gets no response at all (on error the broker closes the connection), so the
 * request says `expectsResponse: false`. The MessageSet is encoded elsewhere; here it is opaque.
 * Offset in the response is the offset given to the first appended message.
 */
import { inContext, readTopics, writeTopics } from './codec-util.js';
import { ProtocolEncodeError } from './errors.js';
import type { Reader } from './reader.js';
import { ApiKey, type KafkaRequest } from './request.js';
import type { Writer } from './writer.js';

export interface ProduceRequestPartition {
  partition: number;
  /**
   * A complete, already-encoded MessageSet, or its pieces in order (a producer's batches), which
   * are then sent one after the other without being joined first.
   */
  messageSet: Uint8Array | readonly Uint8Array[];
}

export interface ProduceRequestTopic {
  topic: string;
  partitions: ProduceRequestPartition[];
}

export interface ProduceRequest {
  /** 0 = no response, 1 = leader only, -1 = all in-sync replicas. */
  requiredAcks: number;
  timeoutMs: number;
  topics: ProduceRequestTopic[];
}

/** A Produce request as a fake broker decodes it: every message set in one piece. */
export interface DecodedProduceRequest extends ProduceRequest {
  topics: { topic: string; partitions: { partition: number; messageSet: Uint8Array }[] }[];
}

/**
 * Message sets (or pieces) of at least this many bytes are sent from where they lie instead of
 * being copied into the request frame; a smaller one costs less to copy than to send apart.
 */
const BY_REFERENCE_BYTES = 1024;

export interface ProduceResponsePartition {
  partition: number;
  errorCode: number;
  offset: bigint;
}

export interface ProduceResponseTopic {
  topic: string;
  partitions: ProduceResponsePartition[];
}

export interface ProduceResponse {
  topics: ProduceResponseTopic[];
}

/**
 * With RequiredAcks 0 the broker sends nothing back, so the connection resolves such a request
 * with `undefined` once written; the overloads make that visible in the type.
 */
export function produceRequest(req: ProduceRequest & { requiredAcks: 0 }): KafkaRequest<undefined>;
export function produceRequest(req: ProduceRequest & { requiredAcks: -1 | 1 }): KafkaRequest<ProduceResponse>;
export function produceRequest(req: ProduceRequest): KafkaRequest<ProduceResponse | undefined>;
export function produceRequest(req: ProduceRequest): KafkaRequest<ProduceResponse | undefined> {
  checkAcks(req.requiredAcks);
  return {
    apiKey: ApiKey.Produce,
    apiVersion: 0,
    expectsResponse: req.requiredAcks !== 0,
    sizeHint: produceRequestSize(req),
    encodeBody: (w) => encodeProduceRequestBody(w, req),
    decodeResponse: decodeProduceResponseBody,
  };
}

/**
 * The bytes the frame's own buffer will take, close enough: header and per-partition fields, plus
 * the message sets small enough to be copied into it. A malformed request gets a default here;
 * encoding it then names the field at fault.
 */
function produceRequestSize(req: ProduceRequest): number {
  try {
    let n = 64;
    for (const t of req.topics) {
      n += 8 + t.topic.length * 3;
      for (const p of t.partitions) {
        n += 8;
        for (const piece of pieces(p.messageSet) ?? [])
          if (piece.length < BY_REFERENCE_BYTES) n += piece.length;
      }
    }
    return n;
  } catch {
    return 128;
  }
}

/** The pieces of a message set, or undefined when it is neither bytes nor an array of bytes. */
function pieces(set: Uint8Array | readonly Uint8Array[]): readonly Uint8Array[] | undefined {
  const parts = set instanceof Uint8Array ? [set] : set;
  return Array.isArray(parts) && parts.every((piece) => piece instanceof Uint8Array) ? parts : undefined;
}

function writeMessageSet(w: Writer, set: Uint8Array | readonly Uint8Array[], field: string): void {
  const parts = pieces(set);
  if (parts === undefined) throw new ProtocolEncodeError(field, 'expected bytes or an array of bytes');
  let size = 0;
  for (const piece of parts) size += piece.length;
  w.int32(size, field);
  for (const piece of parts) {
    if (piece.length >= BY_REFERENCE_BYTES) w.rawByReference(piece);
    else w.raw(piece);
  }
}

function checkAcks(acks: number): void {
  // Values above 1 are deprecated in 0.8.2 and anything below -1 means nothing.
  if (acks !== -1 && acks !== 0 && acks !== 1) {
    throw new ProtocolEncodeError('ProduceRequest.requiredAcks', `${acks} is not -1, 0 or 1`);
  }
}

export function encodeProduceRequestBody(w: Writer, req: ProduceRequest): void {
  checkAcks(req.requiredAcks);
  w.int16(req.requiredAcks, 'ProduceRequest.requiredAcks');
  w.int32(req.timeoutMs, 'ProduceRequest.timeoutMs');
  writeTopics(w, req.topics, 'ProduceRequest', (p, P) =>
    inContext({ partition: p.partition }, () => {
      w.int32(p.partition, `${P}.partition`);
      writeMessageSet(w, p.messageSet, `${P}.messageSet`);
    }),
  );
}

export function decodeProduceRequestBody(r: Reader): DecodedProduceRequest {
  const requiredAcks = r.int16('ProduceRequest.requiredAcks');
  const timeoutMs = r.int32('ProduceRequest.timeoutMs');
  // A partition entry is at least 4+4 bytes.
  const topics: DecodedProduceRequest['topics'] = readTopics(r, 'ProduceRequest', 8, (r, P, topic) => {
    const partition = r.int32(`${P}.partition`);
    const size = r.int32(`${P}.messageSetSize`);
    const messageSet = r.sub(size, `${P}.messageSet`, { topic, partition }).rest();
    return { partition, messageSet };
  });
  r.expectEnd('ProduceRequest');
  return { requiredAcks, timeoutMs, topics };
}

export function encodeProduceResponseBody(w: Writer, resp: ProduceResponse): void {
  writeTopics(w, resp.topics, 'ProduceResponse', (p, P) =>
    inContext({ partition: p.partition }, () => {
      w.int32(p.partition, `${P}.partition`);
      w.int16(p.errorCode, `${P}.errorCode`);
      w.int64(p.offset, `${P}.offset`);
    }),
  );
}

export function decodeProduceResponseBody(r: Reader): ProduceResponse {
  // A partition entry is at least 4+2+8 bytes.
  const topics: ProduceResponseTopic[] = readTopics(r, 'ProduceResponse', 14, (r, P) => ({
    partition: r.int32(`${P}.partition`),
    errorCode: r.int16(`${P}.errorCode`),
    offset: r.int64(`${P}.offset`),
  }));
  r.expectEnd('ProduceResponse');
  return { topics };
}
