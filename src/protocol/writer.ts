import { ProtocolEncodeError } from './errors.js';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * A growable big-endian writer. Length prefixes and CRCs are reserved first and patched once
 * the body is written ({@link Writer.sized}), so nothing is encoded twice to learn its size.
 * Values that the wire format cannot carry raise {@link ProtocolEncodeError} naming the field.
 */
export class Writer {
  private buf: Buffer;
  /** Bytes written into `buf`; bytes placed by reference are not counted here. */
  pos = 0;
  /**
   * Bytes placed by reference ({@link rawByReference}): each goes on the wire where `buf` had
   * reached `at`. Undefined until the first one.
   */
  private refs: { at: number; bytes: Uint8Array }[] | undefined;
  /** Total length of the bytes placed by reference. */
  private refBytes = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private ensure(n: number): void {
    const needed = this.pos + n;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private checkInt(v: number, min: number, max: number, field: string): void {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ProtocolEncodeError(field, `${v} is not an integer in [${min}, ${max}]`);
    }
  }

  int8(v: number, field = 'int8'): this {
    this.checkInt(v, -128, 127, field);
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  int16(v: number, field = 'int16'): this {
    this.checkInt(v, -32768, 32767, field);
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number, field = 'int32'): this {
    this.checkInt(v, INT32_MIN, INT32_MAX, field);
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number, field = 'uint32'): this {
    this.checkInt(v, 0, 0xffffffff, field);
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: bigint, field = 'int64'): this {
    if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) {
      throw new ProtocolEncodeError(field, `${String(v)} is not a bigint in the int64 range`);
    }
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  /** int16-length UTF-8 string; null is written as length -1. */
  string(v: string | null, field = 'string'): this {
    if (v === null) return this.int16(-1, field);
    const len = Buffer.byteLength(v, 'utf8');
    if (len > 0x7fff) throw new ProtocolEncodeError(field, `string of ${len} UTF-8 bytes exceeds 32767`);
    this.ensure(2 + len);
    this.buf.writeInt16BE(len, this.pos);
    this.buf.write(v, this.pos + 2, len, 'utf8');
    this.pos += 2 + len;
    return this;
  }

  /** int32-length bytes; null is written as length -1 (distinct from empty). */
  bytes(v: Uint8Array | null, field = 'bytes'): this {
    if (v === null) return this.int32(-1, field);
    if (v.length > INT32_MAX)
      throw new ProtocolEncodeError(field, `${v.length} bytes exceed the int32 length`);
    this.ensure(4 + v.length);
    this.buf.writeInt32BE(v.length, this.pos);
    this.buf.set(v, this.pos + 4);
    this.pos += 4 + v.length;
    return this;
  }

  /**
   * {@link raw} without copying `v`: it is sent from where it lies, between the bytes written
   * before and after it (see {@link chunks}). For large payloads (a Produce request's message
   * sets), which would otherwise be copied into the frame. `v` must not change until sent.
   */
  rawByReference(v: Uint8Array): this {
    if (v.length === 0) return this;
    this.refs ??= [];
    this.refs.push({ at: this.pos, bytes: v });
    this.refBytes += v.length;
    return this;
  }

  /** Raw bytes with no length prefix. */
  raw(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  array<T>(items: readonly T[], writeItem: (w: Writer, item: T) => void, field = 'array'): this {
    this.int32(items.length, field);
    for (const item of items) writeItem(this, item);
    return this;
  }

  /**
   * Reserves an int32 length, runs `body`, then patches in the number of bytes it wrote.
   * Used for request framing and for MessageSetSize / MessageSize fields.
   */
  sized(body: (w: Writer) => void): this {
    this.ensure(4);
    const at = this.pos;
    const refsBefore = this.refBytes;
    this.pos += 4;
    body(this);
    const size = this.pos - at - 4 + this.refBytes - refsBefore;
    if (size > INT32_MAX) throw new ProtocolEncodeError('size', `${size} bytes exceed the int32 length`);
    this.buf.writeInt32BE(size, at);
    return this;
  }

  /** Patches a big-endian uint32 at an earlier position (CRC back-fill). */
  patchUInt32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }

  /** A view of the bytes written so far, valid until the next write. */
  view(from = 0, to = this.pos): Buffer {
    if (this.refs !== undefined) throw new Error('Writer.view() cannot show bytes placed by reference');
    return this.buf.subarray(from, to);
  }

  /** A copy of everything written, safe to keep after the writer is reused. */
  toBuffer(): Buffer {
    if (this.refs !== undefined) return Buffer.concat(this.chunks());
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /**
   * Everything written, in wire order, without copying: views of the writer's own buffer between
   * the bytes placed by reference. For a writer that is not written to again.
   */
  chunks(): Uint8Array[] {
    if (this.refs === undefined) return [this.buf.subarray(0, this.pos)];
    const out: Uint8Array[] = [];
    let from = 0;
    for (const { at, bytes } of this.refs) {
      if (at > from) out.push(this.buf.subarray(from, at));
      out.push(bytes);
      from = at;
    }
    if (this.pos > from) out.push(this.buf.subarray(from, this.pos));
    return out;
  }
}
