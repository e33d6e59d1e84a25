import * as snappyjs from 'snappyjs';
import { CorruptError } from '../errors.js';

/**
 * Snappy as Kafka 0.8 carries it. The Java producer (and the broker, which recompresses) writes
 * snappy-java's stream framing: an 8-byte magic, two BE int32 version fields, then chunks of
 * `BE int32 length` + one raw snappy block (up to 32 KiB of input each). Non-Java producers may
 * send one bare raw block instead, which brokers accept. The frame is recognised by ALL 8 magic
 * bytes, because a raw block can itself start with 0x82.
 */

const FIELD = 'MessageSet[].value(snappy)';
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16;
const CHUNK_INPUT = 32 * 1024;

function fail(reason: 'bad-compression' | 'too-large', message: string, at: number): never {
  throw new CorruptError(reason, message, at, FIELD);
}

export function isXerialFramed(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER) return false;
  for (let i = 0; i < 8; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The uncompressed length a raw block declares in its leading varint, or -1 if malformed. */
function declaredLength(src: Uint8Array, start: number, end: number): number {
  let result = 0;
  for (let i = 0; i < 5 && start + i < end; i++) {
    const b = src[start + i]!;
    result += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return result;
  }
  return -1;
}

/** One raw snappy block, bounded by `room` output bytes; positions in errors are relative to `at`. */
function rawBlock(src: Uint8Array, start: number, end: number, room: number, maxBytes: number): Buffer {
  const len = declaredLength(src, start, end);
  if (len < 0) fail('bad-compression', 'malformed snappy length varint', start);
  // The declared length sizes snappyjs's output buffer, so it is checked before anything is allocated.
  if (len > room)
    fail('too-large', `snappy block declares ${len} bytes, over the ${maxBytes} byte limit`, start);
  try {
    const out = snappyjs.uncompress(src.subarray(start, end), room);
    return Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.length);
  } catch (cause) {
    throw new CorruptError('bad-compression', 'malformed snappy block', start, FIELD, undefined, cause);
  }
}

/** Decompresses xerial-framed or raw snappy; output never exceeds `maxBytes`. */
export function snappyDecompress(src: Uint8Array, maxBytes: number): Buffer {
  if (!isXerialFramed(src)) return rawBlock(src, 0, src.length, maxBytes, maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  let pos = XERIAL_HEADER;
  while (pos < src.length) {
    if (src.length - pos < 4) fail('bad-compression', 'truncated snappy chunk length', pos);
    const size = ((src[pos]! << 24) | (src[pos + 1]! << 16) | (src[pos + 2]! << 8) | src[pos + 3]!) >>> 0;
    pos += 4;
    if (size > src.length - pos)
      fail('bad-compression', `snappy chunk of ${size} bytes overruns the payload`, pos - 4);
    if (size > 0) {
      const out = rawBlock(src, pos, pos + size, maxBytes - total, maxBytes);
      chunks.push(out);
      total += out.length;
    }
    pos += size;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** Compresses in snappy-java's stream framing (version 1, compatible 1), as the Java producer does. */
export function snappyCompress(data: Uint8Array): Buffer {
  const parts: Buffer[] = [XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])];
  for (let s = 0; s < data.length; s += CHUNK_INPUT) {
    const block = snappyjs.compress(data.subarray(s, Math.min(s + CHUNK_INPUT, data.length)));
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(block.length, 0);
    parts.push(len, Buffer.from(block.buffer, block.byteOffset, block.length));
  }
  return Buffer.concat(parts);
}

/** A single raw snappy block (what non-Java clients send); for tests and tools. */
export function snappyCompressRaw(data: Uint8Array): Buffer {
  const block = snappyjs.compress(data);
  return Buffer.from(block.buffer, block.byteOffset, block.length);
}
