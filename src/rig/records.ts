import { RigConfigError, RigError } from './errors.js';

export interface RigRecord {
  partition?: number;
  key?: Buffer | string | null;
  value: Buffer | string | null;
}

export interface FetchedRecord {
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

function bytes(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

/** The helper's input: repeated [int32 partition][int32 keyLen|-1][key][int32 valueLen|-1][value]. */
export function encodeRecordsFile(records: readonly RigRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const partition = r.partition ?? 0;
    if (!Number.isInteger(partition) || partition < 0) {
      throw new RigConfigError(`bad partition ${partition} in records to produce`);
    }
    const head = Buffer.alloc(4);
    head.writeInt32BE(partition);
    parts.push(head);
    for (const field of [bytes(r.key), bytes(r.value)]) {
      const len = Buffer.alloc(4);
      len.writeInt32BE(field === null ? -1 : field.length);
      parts.push(len);
      if (field) parts.push(field);
    }
  }
  return Buffer.concat(parts);
}

/** The helper's fetch output: repeated [int64 offset][int32 keyLen|-1][key][int32 valueLen|-1][value]. */
export function decodeFetchFile(buf: Buffer): FetchedRecord[] {
  try {
    return decodeUnchecked(buf);
  } catch (e) {
    throw new RigError(`the JVM helper wrote a malformed fetch file (${buf.length} bytes)`, {}, { cause: e });
  }
}

function decodeUnchecked(buf: Buffer): FetchedRecord[] {
  const out: FetchedRecord[] = [];
  let pos = 0;
  const field = (): Buffer | null => {
    const len = buf.readInt32BE(pos);
    pos += 4;
    if (len < 0) return null;
    if (pos + len > buf.length) throw new RangeError('field runs past the end');
    const b = buf.subarray(pos, pos + len);
    pos += len;
    return b;
  };
  while (pos < buf.length) {
    const offset = buf.readBigInt64BE(pos);
    pos += 8;
    const key = field();
    const value = field();
    out.push({ offset, key, value });
  }
  return out;
}
