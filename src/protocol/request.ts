import { CorruptError, ProtocolEncodeError } from './errors.js';
import type { Reader } from './reader.js';
import { Writer } from './writer.js';

/** API keys a Kafka 0.8 broker understands for clients (keys 4-7 are broker-to-broker). */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  Offsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  ConsumerMetadata: 10,
  /** Not 0.8: asked only to explain a broker that closed the connection (see api-versions.ts). */
  ApiVersions: 18,
} as const;
export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];

/**
 * Everything a connection needs to send one request and decode its answer, without knowing
 * which API it is. Built by the per-API factories (`metadataRequest(...)`, `fetchRequest(...)`).
 */
export interface KafkaRequest<T> {
  readonly apiKey: ApiKey;
  readonly apiVersion: number;
  /** Writes the request body (everything after the client id). */
  encodeBody(w: Writer): void;
  /**
   * Decodes the response body: the reader starts just after the correlation id and spans the
   * rest of the frame; the decoder must consume it exactly (`r.expectEnd`).
   */
  decodeResponse(r: Reader): T;
  /** Produce with RequiredAcks 0 gets no response from the broker. */
  readonly expectsResponse: boolean;
  /**
   * Bytes the encoded frame will about take, when the factory knows (Produce): the frame is
   * then written into one buffer of that size instead of one grown by doubling.
   */
  readonly sizeHint?: number;
  /**
   * The most bytes a well-formed response frame to this request can hold (prefix excluded),
   * when the factory can bound it (Fetch: the MaxBytes asked for plus the envelope). A frame
   * announcing no more may be allocated at its full size at once, so a large answer is written
   * by the kernel straight into its final buffer instead of one grown by doubling (about one
   * extra copy of the frame). Larger claims still get memory only as their bytes arrive.
   */
  readonly responseBytesBound?: number;
  /**
   * Called as the response frame's bytes arrive in place: `frame` is its storage at full size
   * (byte 0 is the correlation id) and `frame[0, filled)` has arrived. Lets a request start work
   * on its answer while the rest is still on the wire. Must not throw or change the bytes.
   */
  watchResponse?(frame: Buffer, filled: number): void;
}

export interface RequestHeader {
  apiKey: ApiKey;
  apiVersion: number;
  correlationId: number;
  clientId: string;
}

/** Encodes a complete frame: int32 size, then ApiKey, ApiVersion, CorrelationId, ClientId, body. */
export function encodeRequestFrame(
  header: RequestHeader,
  encodeBody: (w: Writer) => void,
  sizeHint = 128,
): Buffer {
  return frameWriter(header, encodeBody, sizeHint).toBuffer();
}

function frameWriter(header: RequestHeader, encodeBody: (w: Writer) => void, sizeHint: number): Writer {
  const w = new Writer(sizeHint);
  w.sized((w) => {
    w.int16(header.apiKey, 'RequestHeader.apiKey');
    w.int16(header.apiVersion, 'RequestHeader.apiVersion');
    w.int32(header.correlationId, 'RequestHeader.correlationId');
    w.string(header.clientId, 'RequestHeader.clientId');
    encodeBody(w);
  });
  return w;
}

/** Encodes `request` as a frame with the given correlation id and client id. */
export function encodeRequest<T>(request: KafkaRequest<T>, correlationId: number, clientId: string): Buffer {
  return requestWriter(request, correlationId, clientId).toBuffer();
}

/**
 * {@link encodeRequest}'s frame as the pieces to write in order, nothing copied: large message
 * sets of a Produce request stay where they are. They must not change until written.
 */
export function encodeRequestChunks<T>(
  request: KafkaRequest<T>,
  correlationId: number,
  clientId: string,
): Uint8Array[] {
  return requestWriter(request, correlationId, clientId).chunks();
}

function requestWriter<T>(request: KafkaRequest<T>, correlationId: number, clientId: string): Writer {
  if (!Number.isInteger(correlationId) || correlationId < 0 || correlationId > 0x7fffffff) {
    throw new ProtocolEncodeError('RequestHeader.correlationId', `${correlationId} is not in [0, 2^31)`);
  }
  return frameWriter(
    { apiKey: request.apiKey, apiVersion: request.apiVersion, correlationId, clientId },
    (w) => request.encodeBody(w),
    request.sizeHint ?? 128,
  );
}

const API_KEYS: ReadonlySet<number> = new Set(Object.values(ApiKey));

/**
 * Decodes the header of a request frame (the reader starts after the int32 size). The codec
 * only sends requests; this is for a loopback fake broker that must read what we send.
 */
export function decodeRequestHeader(r: Reader): RequestHeader {
  const at = r.pos;
  const apiKey = r.int16('RequestHeader.apiKey');
  if (!API_KEYS.has(apiKey)) {
    throw new CorruptError(
      'bad-value',
      `api key ${apiKey} is not a 0.8 client API`,
      at,
      'RequestHeader.apiKey',
    );
  }
  return {
    apiKey: apiKey as ApiKey,
    apiVersion: r.int16('RequestHeader.apiVersion'),
    correlationId: r.int32('RequestHeader.correlationId'),
    clientId: r.string('RequestHeader.clientId'),
  };
}

/** Encodes a complete response frame: int32 size, CorrelationId, body (fake-broker side). */
export function encodeResponseFrame(correlationId: number, encodeBody: (w: Writer) => void): Buffer {
  const w = new Writer(128);
  w.sized((w) => {
    w.int32(correlationId, 'ResponseHeader.correlationId');
    encodeBody(w);
  });
  return w.toBuffer();
}
