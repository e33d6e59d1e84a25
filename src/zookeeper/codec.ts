import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { CREATE_MODE_FLAGS, type CreateMode, EMPTY_PASSWORD_LENGTH, PERMS_ALL } from './constants.js';
import {
  readBool,
  readNullableUString,
  readUString,
  readUStringVector,
  writeBool,
  writeUString,
  writeUStringVector,
} from './jute.js';
import { readStat, type ZnodeStat } from './stat.js';

/** Bytes a znode holds; a string is written as UTF-8 (Kafka's ZKStringSerializer), null as jute null. */
export type ZnodeData = Buffer | Uint8Array | string | null;

export function dataBytes(data: ZnodeData): Uint8Array | null {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

export interface ConnectRequest {
  lastZxidSeen: bigint;
  timeoutMs: number;
  sessionId: bigint;
  password: Uint8Array;
  /**
   * The 3.4 client appends a readOnly flag; a 3.3 server ignores the extra byte and a 3.4 server
   * answers with its own flag only when it was sent. Undefined leaves it out.
   */
  readOnly?: boolean;
}

export interface ConnectResponse {
  protocolVersion: number;
  /** Negotiated session timeout; 0 or less means the session named in the request has expired. */
  timeoutMs: number;
  sessionId: bigint;
  password: Buffer;
  /** Present only when a 3.4+ server answered a request that carried the flag. */
  readOnly: boolean | undefined;
}

export interface ReplyHeader {
  xid: number;
  zxid: bigint;
  err: number;
}

export interface WatcherEventWire {
  type: number;
  state: number;
  path: string | null;
}

export const REPLY_HEADER_BYTES = 16;

function framed(body: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  w.sized(body);
  return w.toBuffer();
}

export function encodeConnectRequest(req: ConnectRequest): Buffer {
  return framed((w) => {
    w.int32(0, 'ConnectRequest.protocolVersion');
    w.int64(req.lastZxidSeen, 'ConnectRequest.lastZxidSeen');
    w.int32(req.timeoutMs, 'ConnectRequest.timeOut');
    w.int64(req.sessionId, 'ConnectRequest.sessionId');
    w.bytes(req.password, 'ConnectRequest.passwd');
    if (req.readOnly !== undefined) writeBool(w, req.readOnly, 'ConnectRequest.readOnly');
  });
}

/** Decodes a ConnectResponse frame body (after the length prefix). */
export function decodeConnectResponse(body: Buffer): ConnectResponse {
  const r = new Reader(body);
  const protocolVersion = r.int32('ConnectResponse.protocolVersion');
  const timeoutMs = r.int32('ConnectResponse.timeOut');
  const sessionId = r.int64('ConnectResponse.sessionId');
  const pw = r.nullableBytes('ConnectResponse.passwd');
  const readOnly = r.remaining > 0 ? readBool(r, 'ConnectResponse.readOnly') : undefined;
  r.expectEnd('ConnectResponse');
  return {
    protocolVersion,
    timeoutMs,
    sessionId,
    password: pw === null ? Buffer.alloc(EMPTY_PASSWORD_LENGTH) : Buffer.from(pw),
    readOnly,
  };
}

/** A whole request frame: length, RequestHeader {xid, type}, then the record (if any). */
export function encodeRequest(xid: number, type: number, body: Uint8Array | null): Buffer {
  return framed((w) => {
    w.int32(xid, 'RequestHeader.xid');
    w.int32(type, 'RequestHeader.type');
    if (body !== null) w.raw(body);
  });
}

function record(body: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  body(w);
  return w.toBuffer();
}

/** CreateRequest with the open ACL world:anyone/ALL, as Kafka's ZkClient creates every node. */
export function createBody(serverPath: string, data: ZnodeData, mode: CreateMode): Buffer {
  return record((w) => {
    writeUString(w, serverPath, 'CreateRequest.path');
    w.bytes(dataBytes(data), 'CreateRequest.data');
    w.int32(1, 'CreateRequest.acl.count');
    w.int32(PERMS_ALL, 'ACL.perms');
    writeUString(w, 'world', 'ACL.id.scheme');
    writeUString(w, 'anyone', 'ACL.id.id');
    w.int32(CREATE_MODE_FLAGS[mode], 'CreateRequest.flags');
  });
}

export function deleteBody(serverPath: string, version: number): Buffer {
  return record((w) => {
    writeUString(w, serverPath, 'DeleteRequest.path');
    w.int32(version, 'DeleteRequest.version');
  });
}

/** ExistsRequest, GetDataRequest, GetChildrenRequest and GetChildren2Request share this layout. */
export function pathWatchBody(serverPath: string, watch: boolean): Buffer {
  return record((w) => {
    writeUString(w, serverPath, 'Request.path');
    writeBool(w, watch, 'Request.watch');
  });
}

export function setDataBody(serverPath: string, data: ZnodeData, version: number): Buffer {
  return record((w) => {
    writeUString(w, serverPath, 'SetDataRequest.path');
    w.bytes(dataBytes(data), 'SetDataRequest.data');
    w.int32(version, 'SetDataRequest.version');
  });
}

export function setWatchesBody(
  relativeZxid: bigint,
  dataWatches: readonly string[],
  existWatches: readonly string[],
  childWatches: readonly string[],
): Buffer {
  return record((w) => {
    w.int64(relativeZxid, 'SetWatches.relativeZxid');
    writeUStringVector(w, dataWatches, 'SetWatches.dataWatches');
    writeUStringVector(w, existWatches, 'SetWatches.existWatches');
    writeUStringVector(w, childWatches, 'SetWatches.childWatches');
  });
}

export function readReplyHeader(r: Reader): ReplyHeader {
  return {
    xid: r.int32('ReplyHeader.xid'),
    zxid: r.int64('ReplyHeader.zxid'),
    err: r.int32('ReplyHeader.err'),
  };
}

export function readWatcherEvent(r: Reader): WatcherEventWire {
  const type = r.int32('WatcherEvent.type');
  const state = r.int32('WatcherEvent.state');
  const path = readNullableUString(r, 'WatcherEvent.path');
  r.expectEnd('WatcherEvent');
  return { type, state, path };
}

export function readCreateResponse(r: Reader): string {
  const path = readUString(r, 'CreateResponse.path');
  r.expectEnd('CreateResponse');
  return path;
}

export function readStatResponse(r: Reader, name: string): ZnodeStat {
  const stat = readStat(r, `${name}.stat`);
  r.expectEnd(name);
  return stat;
}

export interface GetDataResult {
  /** The node's bytes; a node written with null data reads as an empty buffer. */
  data: Buffer;
  stat: ZnodeStat;
}

export function readGetDataResponse(r: Reader): GetDataResult {
  const data = r.nullableBytes('GetDataResponse.data');
  const stat = readStat(r, 'GetDataResponse.stat');
  r.expectEnd('GetDataResponse');
  // Copy: the frame buffer is not ours to hand out for keeps.
  return { data: data === null ? Buffer.alloc(0) : Buffer.from(data), stat };
}

export function readGetChildrenResponse(r: Reader): string[] {
  const children = readUStringVector(r, 'GetChildrenResponse.children');
  r.expectEnd('GetChildrenResponse');
  return children;
}

export interface ChildrenResult {
  children: string[];
  stat: ZnodeStat;
}

export function readGetChildren2Response(r: Reader): ChildrenResult {
  const children = readUStringVector(r, 'GetChildren2Response.children');
  const stat = readStat(r, 'GetChildren2Response.stat');
  r.expectEnd('GetChildren2Response');
  return { children, stat };
}

export function readEmptyResponse(r: Reader, name: string): void {
  r.expectEnd(name);
}
