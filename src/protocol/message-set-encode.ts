import { type Codec, compress } from './compression/index.js';
import { crc32 } from './crc32.js';
import { ProtocolEncodeError } from './errors.js';
import { Writer } from './writer.js';

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
  /** Expected size of the uncompressed set in bytes, so it is written without regrowing (default 1 KiB). */
  sizeHint?: number;
}

/** Writes one entry (offset, size, crc, magic 0, attributes, key, value) with its CRC back-filled. */
function writeEntry(
  w: Writer,
  offset: bigint,
  attributes: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
): void {
  w.int64(offset, 'MessageSet[].Offset');
  w.sized((body) => {
    const crcAt = body.pos;
    body.uint32(0, 'Message.Crc');
    body.int8(0, 'Message.MagicByte');
    body.int8(attributes, 'Message.Attributes');
    body.bytes(key, 'Message.Key');
    body.bytes(value, 'Message.Value');
    const all = body.view();
    body.patchUInt32(crcAt, crc32(all, crcAt + 4, body.pos));
  });
}

function writeEntries(w: Writer, messages: readonly MessageToEncode[], baseOffset: bigint): void {
  for (let i = 0; i < messages.length; i++) {
    const msg = messages[i]!;
    writeEntry(w, baseOffset + BigInt(i), 0, msg.key ?? null, msg.value);
  }
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
  const size = options.sizeHint ?? 1024;
  if (codec === 0) {
    const w = new Writer(size);
    writeEntries(w, messages, base);
    return w.toBuffer();
  }
  if (messages.length === 0)
    throw new ProtocolEncodeError('MessageSet', 'a compressed message set needs at least one message');
  const inner = new Writer(size);
  writeEntries(inner, messages, base);
  const value = compress(codec, inner.view());
  const w = new Writer(value.length + 64);
  writeEntry(w, base + BigInt(messages.length - 1), codec, null, value);
  return w.toBuffer();
}
