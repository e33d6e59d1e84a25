import { CorruptError } from '../protocol/errors.js';
import type { Reader } from '../protocol/reader.js';
import type { Writer } from '../protocol/writer.js';

/**
 * Jute's binary archive: big-endian ints and longs, booleans as one byte, and `ustring` and
 * `buffer` both as an int32 length (-1 = null) followed by bytes. Unlike Kafka's int16 strings,
 * so these wrap the shared Reader/Writer instead of using their `string` methods.
 */
export function writeUString(w: Writer, s: string | null, field: string): void {
  w.bytes(s === null ? null : Buffer.from(s, 'utf8'), field);
}

export function writeBool(w: Writer, v: boolean, field: string): void {
  w.int8(v ? 1 : 0, field);
}

export function readNullableUString(r: Reader, field: string): string | null {
  const b = r.nullableBytes(field);
  return b === null ? null : b.toString('utf8');
}

export function readUString(r: Reader, field: string): string {
  const at = r.pos;
  const s = readNullableUString(r, field);
  if (s === null) throw new CorruptError('bad-value', 'null where a string is required', at, field);
  return s;
}

/** Jute reads a boolean as Java's DataInput does: any non-zero byte is true. */
export function readBool(r: Reader, field: string): boolean {
  return r.int8(field) !== 0;
}

/** vector<ustring>: int32 count (each element at least its 4-byte length), -1 read as empty. */
export function readUStringVector(r: Reader, field: string): string[] {
  r.need(4, field);
  if (r.buf.readInt32BE(r.pos) === -1) {
    r.pos += 4;
    return [];
  }
  const n = r.arrayLength(field, 4);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readUString(r, `${field}[${i}]`);
  return out;
}

export function writeUStringVector(w: Writer, items: readonly string[], field: string): void {
  w.array(items, (ww, s) => writeUString(ww, s, field), field);
}
