import { type Codec, compress } from './compression/index.js';
import { clearCrcWindow, crc32, crc32InWindow } from './crc32.js';
import { ProtocolEncodeError } from './errors.js';
import { sealPlainSet } from './wasm-verify.js';

/** A message to encode; an absent key is null. */
export interface MessageToEncode {
  key?: Uint8Array | null;
  value: Uint8Array | null;
}

export interface EncodeMessageSetOptions {
  /** Default 0 (none). With a codec, all messages go into ONE compressed wrapper. */
  codec?: Codec;
  /**
   * Offset of the first message (default 0). Brokers reassign offsets on produce, so this only
   * matters for tests and tools that build fetch-like sets: entry i gets `baseOffset + i`, and a
   * compressed wrapper gets the offset of its last inner message, as a 0.8 broker writes it.
   */
  baseOffset?: bigint;
  /** Unused: the set's exact size is computed before it is written. Kept for callers that pass it. */
  sizeHint?: number;
}

/**
 * Bytes of one message-set entry besides its key and value: Offset (8) + MessageSize (4) + CRC (4)
 * + MagicByte (1) + Attributes (1) + key length (4) + value length (4).
 */
export const ENTRY_OVERHEAD = 26;
const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const TWO_32 = 2 ** 32;

/** Wire size of the entry {@link writeMessageEntry} writes for this key and value. */
export function messageEntrySize(key: Uint8Array | null, value: Uint8Array | null): number {
  return ENTRY_OVERHEAD + (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
}

/**
 * Writes one magic-0 entry (offset, size, crc, magic, attributes, key, value) at `at`, which must
 * have {@link messageEntrySize} bytes of room, and returns the position after it. `offset` is a
 * number on the producer's path (offsets relative to a batch), a bigint for sets built with a
 * base offset. The CRC is left unwritten: the entries of a set are hashed together by
 * {@link sealMessageSet} once it is complete, one pass in wasm over a single copy of the set,
 * about half the cost of hashing each ~100-byte entry as it is written.
 */
export function writeUnsealedEntry(
  buf: Buffer,
  at: number,
  offset: number | bigint,
  attributes: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
): number {
  if (typeof offset === 'number') {
    putInt32(buf, at, Math.floor(offset / TWO_32));
    putInt32(buf, at + 4, offset >>> 0);
  } else {
    buf.writeBigInt64BE(offset, at);
  }
  let pos = at + 16;
  buf[pos++] = 0; // MagicByte
  buf[pos++] = attributes;
  pos = writeBytes(buf, pos, key);
  pos = writeBytes(buf, pos, value);
  putInt32(buf, at + 8, pos - at - 12);
  return pos;
}

/**
 * Writes the CRC of every entry in `buf[from, to)`, entries that {@link writeUnsealedEntry}
 * wrote back to back. Nothing else may change `buf` during the call (see crc32InWindow).
 */
export function sealMessageSet(buf: Buffer, from: number, to: number): void {
  if (sealPlainSet(buf, from, to, (at) => sealEntry(buf, at, from, to, crc32))) return;
  clearCrcWindow();
  for (let at = from; at < to; ) at = sealEntry(buf, at, from, to, crc32InWindow);
}

/** Writes the CRC of the entry at `at`; returns where the next one starts. */
function sealEntry(
  buf: Buffer,
  at: number,
  from: number,
  to: number,
  crc: (buf: Uint8Array, start: number, end: number) => number,
): number {
  const end = at + 12 + buf.readInt32BE(at + 8);
  // Never hash outside the set, whatever its bytes say (the window copy reads unchecked).
  if (end > to || end < at + ENTRY_OVERHEAD)
    throw new RangeError(`no whole entry at ${at} of [${from}, ${to})`);
  putInt32(buf, at + 12, crc(buf, at + 16, end));
  return end;
}

// Byte stores instead of Buffer#writeInt32BE, whose argument checks cost more than the stores on
// the per-record path; callers here always have the room and a value in 32 bits.
function putInt32(buf: Buffer, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = v >>> 16;
  buf[at + 2] = v >>> 8;
  buf[at + 3] = v;
}

function writeBytes(buf: Buffer, at: number, v: Uint8Array | null): number {
  if (v === null) {
    putInt32(buf, at, -1);
    return at + 4;
  }
  putInt32(buf, at, v.length);
  // Small values are copied faster by a loop than through TypedArray.set's native call.
  if (v.length <= 32) for (let i = 0; i < v.length; i++) buf[at + 4 + i] = v[i]!;
  else buf.set(v, at + 4);
  return at + 4 + v.length;
}

function checkMessage(msg: MessageToEncode, index: number): number {
  const key = msg.key ?? null;
  const size = messageEntrySize(key, msg.value);
  if (size - 12 > INT32_MAX) {
    throw new ProtocolEncodeError(`MessageSet[${index}]`, `${size - 12} bytes exceed the int32 length`);
  }
  return size;
}

function writeEntries(buf: Buffer, messages: readonly MessageToEncode[], baseOffset: bigint): void {
  let pos = 0;
  for (let i = 0; i < messages.length; i++) {
    const msg = messages[i]!;
    pos = writeUnsealedEntry(buf, pos, baseOffset + BigInt(i), 0, msg.key ?? null, msg.value);
  }
  sealMessageSet(buf, 0, pos);
}

/**
 * Encodes a magic-0 MessageSet (the bytes after MessageSetSize in a Produce request). With a
 * codec the result is a single wrapper (null key, codec in attributes) whose value is the
 * compressed inner set, framed as the Java client frames it (xerial snappy, Kafka LZ4 with the
 * 0.8.2 header checksum), so 0.8 brokers and Java consumers accept it.
 */
export function encodeMessageSet(
  messages: readonly MessageToEncode[],
  options: EncodeMessageSetOptions = {},
): Buffer {
  const codec = options.codec ?? 0;
  const base = options.baseOffset ?? 0n;
  const last = base + BigInt(Math.max(0, messages.length - 1));
  if (base < INT64_MIN || last > INT64_MAX) {
    throw new ProtocolEncodeError(
      'MessageSet[].Offset',
      `${base} + ${messages.length} leaves the int64 range`,
    );
  }
  let size = 0;
  for (let i = 0; i < messages.length; i++) size += checkMessage(messages[i]!, i);
  const inner = Buffer.allocUnsafe(size);
  writeEntries(inner, messages, base);
  if (codec === 0) return inner;
  if (messages.length === 0)
    throw new ProtocolEncodeError('MessageSet', 'a compressed message set needs at least one message');
  return encodeWrapper(codec, inner, base + BigInt(messages.length - 1));
}

/**
 * The compressed wrapper entry for an inner message set: null key, `codec` in the attributes,
 * the compressed set as value, at `offset` (the last inner message's).
 */
export function encodeWrapper(codec: 1 | 2 | 3, innerSet: Uint8Array, offset: number | bigint): Buffer {
  const value = compress(codec, innerSet);
  const out = Buffer.allocUnsafe(messageEntrySize(null, value));
  sealMessageSet(out, 0, writeUnsealedEntry(out, 0, offset, codec, null, value));
  return out;
}
