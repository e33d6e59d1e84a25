import type { Reader } from '../protocol/reader.js';
import type { Writer } from '../protocol/writer.js';

/** `org.apache.zookeeper.data.Stat`: a znode's metadata, 68 bytes on the wire. */
export interface ZnodeStat {
  /** zxid of the create. */
  czxid: bigint;
  /** zxid of the last data change. */
  mzxid: bigint;
  /** Creation time, ms since the epoch. */
  ctime: bigint;
  /** Last data change, ms since the epoch. */
  mtime: bigint;
  /** Data version: what setData/delete compare against. */
  version: number;
  /** Child-list version. */
  cversion: number;
  /** ACL version. */
  aversion: number;
  /** Session id of the owner for an ephemeral node, 0n otherwise. */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  /** zxid of the last change to the child list. */
  pzxid: bigint;
}

export const STAT_BYTES = 68;

export function readStat(r: Reader, field = 'Stat'): ZnodeStat {
  r.need(STAT_BYTES, field);
  return {
    czxid: r.int64(`${field}.czxid`),
    mzxid: r.int64(`${field}.mzxid`),
    ctime: r.int64(`${field}.ctime`),
    mtime: r.int64(`${field}.mtime`),
    version: r.int32(`${field}.version`),
    cversion: r.int32(`${field}.cversion`),
    aversion: r.int32(`${field}.aversion`),
    ephemeralOwner: r.int64(`${field}.ephemeralOwner`),
    dataLength: r.int32(`${field}.dataLength`),
    numChildren: r.int32(`${field}.numChildren`),
    pzxid: r.int64(`${field}.pzxid`),
  };
}

/** Only fake servers in tests write a Stat; kept next to the reader so the two agree. */
export function writeStat(w: Writer, s: ZnodeStat): void {
  w.int64(s.czxid).int64(s.mzxid).int64(s.ctime).int64(s.mtime);
  w.int32(s.version).int32(s.cversion).int32(s.aversion);
  w.int64(s.ephemeralOwner).int32(s.dataLength).int32(s.numChildren).int64(s.pzxid);
}
