import { CorruptError } from '../errors.js';
import { compressLz4Block, decodeLz4Block, LZ4_OVERFLOW, lz4BlockBound } from './lz4-block.js';
import { xxh32 } from './xxhash32.js';

/**
 * The LZ4 frame as Kafka 0.8.2 writes it (`KafkaLZ4BlockOutputStream`): magic, FLG, BD, a header
 * checksum computed over the WRONG bytes (magic included, KAFKA-3160), then LE-sized blocks and
 * an end mark. Magic-0 data keeps that broken checksum on every broker generation, so the reader
 * never checks it. The reader honours the FLG bits a non-Kafka producer might set (content size,
 * block and content checksums), and verifies those checksums since they are computed correctly.
 */

const MAGIC = 0x184d2204;
const FIELD = 'MessageSet[].value(lz4)';
/** FLG = version 01, independent blocks; BD = 64 KiB maximum block, as Kafka 0.8.2 writes. */
const KAFKA_FLG = 0x60;
const KAFKA_BD = 0x40;
const BLOCK_SIZE = 64 * 1024;

function fail(reason: 'bad-compression' | 'too-large', message: string, at: number): never {
  throw new CorruptError(reason, message, at, FIELD);
}

function readLE32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/**
 * Decompresses a Kafka-framed LZ4 payload. Output never exceeds `maxBytes`: a frame that would
 * decompress to more raises CorruptError `too-large`; anything malformed raises
 * `bad-compression`. Positions in errors are relative to `src`.
 */
export function lz4FrameDecompress(src: Uint8Array, maxBytes: number): Buffer {
  const end = src.length;
  if (end < 7) fail('bad-compression', `frame of ${end} bytes is shorter than a header`, 0);
  if (readLE32(src, 0) !== MAGIC) fail('bad-compression', 'LZ4 frame magic missing', 0);
  const flg = src[4]!;
  const bd = src[5]!;
  if (flg >>> 6 !== 1) fail('bad-compression', `unsupported LZ4 frame version ${flg >>> 6}`, 4);
  if (flg & 0x01) fail('bad-compression', 'LZ4 frame needs a dictionary', 4);
  const blockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const bdCode = (bd >>> 4) & 0x07;
  if (bdCode < 4 || (bd & 0x8f) !== 0)
    fail('bad-compression', `bad block descriptor 0x${bd.toString(16)}`, 5);
  const blockMax = 1 << (8 + 2 * bdCode);
  let pos = 6;
  let contentSize = -1;
  if (hasContentSize) {
    if (end - pos < 9) fail('bad-compression', 'frame header truncated', pos);
    const hi = readLE32(src, pos + 4);
    const lo = readLE32(src, pos);
    if (hi !== 0 || lo > maxBytes) fail('too-large', `declared content size exceeds ${maxBytes} bytes`, pos);
    contentSize = lo;
    pos += 8;
  }
  pos += 1; // header checksum: deliberately not verified (see above)

  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    if (end - pos < 4) fail('bad-compression', 'frame ends without an end mark', pos);
    const word = readLE32(src, pos);
    const at = pos;
    pos += 4;
    if (word === 0) break;
    const stored = word >= 0x80000000;
    const size = word & 0x7fffffff;
    if (size > blockMax)
      fail('bad-compression', `block of ${size} bytes exceeds the ${blockMax} maximum`, at);
    if (end - pos < size + (blockChecksum ? 4 : 0)) fail('bad-compression', 'block truncated', at);
    if (blockChecksum && xxh32(src, pos, pos + size) !== readLE32(src, pos + size)) {
      fail('bad-compression', 'block checksum mismatch', pos + size);
    }
    const room = maxBytes - total;
    if (stored) {
      if (size > room) fail('too-large', `output exceeds ${maxBytes} bytes`, at);
      chunks.push(Buffer.from(src.subarray(pos, pos + size)));
      total += size;
    } else {
      const cap = Math.min(blockMax, room);
      const out = Buffer.allocUnsafe(cap);
      const n = decodeLz4Block(src, pos, pos + size, out, 0, cap);
      if (n === LZ4_OVERFLOW) {
        if (cap < blockMax) fail('too-large', `output exceeds ${maxBytes} bytes`, at);
        fail('bad-compression', `block decodes to more than ${blockMax} bytes`, at);
      }
      if (n < 0) fail('bad-compression', 'malformed LZ4 block', at);
      chunks.push(out.subarray(0, n));
      total += n;
    }
    pos += size + (blockChecksum ? 4 : 0);
  }
  const out = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  if (contentChecksum) {
    if (end - pos < 4) fail('bad-compression', 'content checksum missing', pos);
    if (xxh32(out) !== readLE32(src, pos)) fail('bad-compression', 'content checksum mismatch', pos);
    pos += 4;
  }
  if (contentSize >= 0 && contentSize !== total) {
    fail('bad-compression', `frame declared ${contentSize} bytes but held ${total}`, 6);
  }
  return out;
}

/**
 * Compresses `data` into a frame a 0.8.2 broker accepts: FLG 0x60, BD 0x40 and the broken header
 * checksum (0x1A) the 0.8.2 reader insists on. Blocks that do not shrink are stored raw.
 */
export function lz4FrameCompress(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / BLOCK_SIZE));
  const out = Buffer.allocUnsafe(7 + blocks * (4 + lz4BlockBound(BLOCK_SIZE)) + 4);
  out.writeUInt32LE(MAGIC, 0);
  out[4] = KAFKA_FLG;
  out[5] = KAFKA_BD;
  out[6] = (xxh32(out, 0, 6) >>> 8) & 0xff;
  let d = 7;
  for (let s = 0; s < data.length; s += BLOCK_SIZE) {
    const e = Math.min(s + BLOCK_SIZE, data.length);
    const after = compressLz4Block(data, s, e, out, d + 4);
    const size = after - d - 4;
    if (size < e - s) {
      out.writeUInt32LE(size, d);
      d = after;
    } else {
      out.writeUInt32LE((0x80000000 | (e - s)) >>> 0, d);
      out.set(data.subarray(s, e), d + 4);
      d += 4 + (e - s);
    }
  }
  out.writeUInt32LE(0, d);
  return out.subarray(0, d + 4);
}
