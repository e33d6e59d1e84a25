import { CorruptError, type ErrorContext, TruncatedError } from './errors.js';

/**
 * A bounded, big-endian cursor over a Buffer. Every read checks the bytes left against `end`
 * first, so running short raises {@link TruncatedError} and an impossible length raises
 * {@link CorruptError}: Node's RangeError never escapes, and a length field never drives an
 * allocation larger than the bytes actually present (strings and bytes are zero-copy views).
 */
export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;
  /** Context attached to every error this reader (and its sub-readers) throws. */
  readonly context: ErrorContext | undefined;

  constructor(buf: Buffer, start = 0, end = buf.length, context?: ErrorContext) {
    if (start < 0 || end > buf.length || start > end) {
      throw new RangeError(`Reader bounds [${start}, ${end}) outside buffer of ${buf.length}`);
    }
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.context = context;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, field: string): void {
    if (this.end - this.pos < n)
      throw new TruncatedError(this.pos, field, n, this.end - this.pos, this.context);
  }

  int8(field: string): number {
    this.need(1, field);
    return this.buf.readInt8(this.pos++);
  }

  int16(field: string): number {
    this.need(2, field);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(field: string): number {
    this.need(4, field);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(field: string): number {
    this.need(4, field);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(field: string): bigint {
    this.need(8, field);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** int16-length UTF-8 string; any negative length is null, as the 0.8 broker reads it. */
  nullableString(field: string): string | null {
    const at = this.pos;
    const len = this.int16(field);
    if (len < 0) return null;
    if (this.end - this.pos < len) {
      throw new TruncatedError(at, field, len + 2, this.end - at, this.context);
    }
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** A string that the protocol never sends as null; a null is reported as corrupt. */
  string(field: string): string {
    const at = this.pos;
    const s = this.nullableString(field);
    if (s === null)
      throw new CorruptError('bad-value', 'null where a string is required', at, field, this.context);
    return s;
  }

  /** int32-length byte string as a zero-copy view; -1 is null, other negatives are corrupt. */
  nullableBytes(field: string): Buffer | null {
    const at = this.pos;
    const len = this.int32(field);
    if (len === -1) return null;
    if (len < -1) throw new CorruptError('bad-length', `negative length ${len}`, at, field, this.context);
    if (this.end - this.pos < len) {
      throw new TruncatedError(at, field, len + 4, this.end - at, this.context);
    }
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  /**
   * Reads an int32 element count and checks it against the bytes left, assuming each element
   * takes at least `minElementBytes`; this is what stops a hostile 0x7fffffff count from
   * allocating anything.
   */
  arrayLength(field: string, minElementBytes = 1): number {
    const at = this.pos;
    const n = this.int32(field);
    if (n < 0) throw new CorruptError('bad-length', `negative array count ${n}`, at, field, this.context);
    const needed = n * minElementBytes;
    if (needed > this.end - this.pos) {
      throw new TruncatedError(at, field, needed + 4, this.end - at, this.context);
    }
    return n;
  }

  /** Reads an array of elements, each decoded by `readElement`. */
  array<T>(field: string, minElementBytes: number, readElement: (r: Reader, index: number) => T): T[] {
    const n = this.arrayLength(field, minElementBytes);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = readElement(this, i);
    return out;
  }

  /** A reader over the next `size` bytes; the parent moves past them at once. */
  sub(size: number, field: string, context: ErrorContext | undefined = this.context): Reader {
    if (size < 0)
      throw new CorruptError('bad-length', `negative size ${size}`, this.pos, field, this.context);
    this.need(size, field);
    const r = new Reader(this.buf, this.pos, this.pos + size, context);
    this.pos += size;
    return r;
  }

  /** The rest of the bounded region as a zero-copy view. */
  rest(): Buffer {
    const b = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return b;
  }

  /** A decoder that stops short of the frame's end has read the wrong layout: say so. */
  expectEnd(field: string): void {
    if (this.pos !== this.end) {
      throw new CorruptError(
        'trailing-bytes',
        `${this.end - this.pos} unread byte(s) after the last field`,
        this.pos,
        field,
        this.context,
      );
    }
  }
}
