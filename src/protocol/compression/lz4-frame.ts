import { CorruptError } from '../errors.js';
import { compressWasmStage, lz4WasmCompress } from './compress-wasm.js';
import {
  compressLz4Block,
  decodeLz4Block,
  LZ4_OVERFLOW,
  type Lz4Position,
  lz4BlockBound,
} from './lz4-block.js';
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
 * The most one compressed byte can stand for: a match-length byte of 255 adds 255 bytes, and
 * nothing else in a block yields more per byte, so `n` bytes of frame never decode to more
 * than 256 n. A declared content size is believed (to size the output) only up to that.
 */
const MAX_EXPANSION = 256;
/**
 * First guess at output size per input byte. Kafka data mostly inflates 1-4x, so one allocation
 * usually holds the frame; a denser frame grows (see {@link grown}), a sparser one is trimmed
 * (see {@link fitted}), each a copy of at most the output. With 2, a 64 KiB block of JSON
 * (4.4x) grows twice and decodes ~4% slower.
 */
const FIRST_GUESS = 4;

/**
 * Decompresses a Kafka-framed LZ4 payload. Output never exceeds `maxBytes`: a frame that would
 * decompress to more raises CorruptError `too-large`; anything malformed raises
 * `bad-compression`. Positions in errors are relative to `src`.
 *
 * Cost follows what the frame holds, not what its header allows: blocks decode into one output
 * buffer that starts near the input's size and doubles when a block does not fit (capped at
 * `maxBytes`, the block carrying on where it stopped), so a frame of many tiny blocks under a
 * 4 MiB block maximum costs its bytes, not 4 MiB a block.
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

  const guess = contentSize >= 0 ? Math.min(contentSize, MAX_EXPANSION * end) : FIRST_GUESS * end;
  let out: Buffer = Buffer.allocUnsafe(Math.min(maxBytes, guess));
  let total = 0;
  const resumeAt: Lz4Position = { src: 0, dst: 0 };
  const blocksStart = pos;
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
      if (size > out.length - total) out = grown(out, total, maxBytes, total + size);
      out.set(src.subarray(pos, pos + size), total);
      total += size;
    } else {
      // The block may write up to `limit`; the output grows toward it only as far as needed.
      const limit = total + Math.min(blockMax, room);
      resumeAt.src = pos;
      resumeAt.dst = total;
      let n = decodeLz4Block(src, pos, pos + size, out, total, Math.min(out.length, limit), resumeAt);
      while (n === LZ4_OVERFLOW && out.length < limit) {
        const read = resumeAt.src - blocksStart;
        const expected =
          read > 0 ? resumeAt.dst + Math.ceil(((end - resumeAt.src) * resumeAt.dst) / read) : 0;
        out = grown(out, resumeAt.dst, maxBytes, Math.min(expected, 4 * out.length));
        n = decodeLz4Block(src, pos, pos + size, out, total, Math.min(out.length, limit), resumeAt);
      }
      if (n === LZ4_OVERFLOW) {
        if (room < blockMax) fail('too-large', `output exceeds ${maxBytes} bytes`, at);
        fail('bad-compression', `block decodes to more than ${blockMax} bytes`, at);
      }
      if (n < 0) fail('bad-compression', 'malformed LZ4 block', at);
      total += n;
    }
    pos += size + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum) {
    if (end - pos < 4) fail('bad-compression', 'content checksum missing', pos);
    if (xxh32(out, 0, total) !== readLE32(src, pos))
      fail('bad-compression', 'content checksum mismatch', pos);
    pos += 4;
  }
  if (contentSize >= 0 && contentSize !== total) {
    fail('bad-compression', `frame declared ${contentSize} bytes but held ${total}`, 6);
  }
  return fitted(out, total);
}

/**
 * `out`'s first `keep` bytes in a buffer of `need` bytes or twice `out`, whichever is larger,
 * never over `maxBytes`. A compressed block asks for what the frame would produce if the rest
 * went on like the part decoded so far, at most 4x `out`: one growth usually suffices, and a
 * frame that goes sparse after a dense start has reserved at most 4x what it produced.
 */
function grown(out: Buffer, keep: number, maxBytes: number, need = 0): Buffer {
  const next = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(need, 2 * out.length, 64)));
  next.set(out.subarray(0, keep));
  return next;
}

/**
 * The first `total` bytes of `out`, copied out when most of `out` would otherwise be held for
 * nothing: the caller keeps views into the result, and many small frames each pinning a
 * larger guess would add up.
 */
function fitted(out: Buffer, total: number): Buffer {
  if (2 * total >= out.length) return out.subarray(0, total);
  const exact = Buffer.allocUnsafe(total);
  exact.set(out.subarray(0, total));
  return exact;
}

/**
 * Compresses `data` into a frame a 0.8.2 broker accepts: FLG 0x60, BD 0x40 and the broken header
 * checksum (0x1A) the 0.8.2 reader insists on. Blocks that do not shrink are stored raw. Blocks
 * are compressed in wasm (compress-wasm.ts), or by compressLz4Block where wasm is not used.
 */
export function lz4FrameCompress(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / BLOCK_SIZE));
  // Header, then per block a size and at most lz4BlockBound of its bytes (summed over the blocks,
  // bounded by the bound of the whole input plus each block's constant), then the end mark: sized
  // by the input, so a small producer batch does not take a 64 KiB buffer.
  const size = 7 + lz4BlockBound(data.length) + blocks * (4 + lz4BlockBound(0)) + 4;
  const staged = compressWasmStage(data, size);
  if (staged !== undefined) {
    const { mem, src, out } = staged;
    writeHeader(mem, out);
    const end = writeBlocks(data, mem, out + 7, (s, e, at) => lz4WasmCompress(src + s, src + e, at));
    return Buffer.from(mem.subarray(out, end));
  }
  const out = Buffer.allocUnsafe(size);
  writeHeader(out, 0);
  return out.subarray(
    0,
    writeBlocks(data, out, 7, (s, e, at) => compressLz4Block(data, s, e, out, at)),
  );
}

function writeLE32(out: Uint8Array, at: number, v: number): void {
  out[at] = v;
  out[at + 1] = v >>> 8;
  out[at + 2] = v >>> 16;
  out[at + 3] = v >>> 24;
}

/** Magic, FLG, BD and the header checksum as Kafka 0.8.2 computes it (over the magic too). */
function writeHeader(out: Uint8Array, at: number): void {
  writeLE32(out, at, MAGIC);
  out[at + 4] = KAFKA_FLG;
  out[at + 5] = KAFKA_BD;
  out[at + 6] = (xxh32(out, at, at + 6) >>> 8) & 0xff;
}

/**
 * The blocks of `data` and the end mark, written into `out` from `at`; returns the frame's end.
 * `compressBlock(s, e, dst)` compresses `data[s, e)` at `dst` and returns where the block ends
 * (it may write up to lz4BlockBound bytes); a block that does not shrink is stored raw instead.
 */
function writeBlocks(
  data: Uint8Array,
  out: Uint8Array,
  at: number,
  compressBlock: (s: number, e: number, dst: number) => number,
): number {
  let d = at;
  for (let s = 0; s < data.length; s += BLOCK_SIZE) {
    const e = Math.min(s + BLOCK_SIZE, data.length);
    const after = compressBlock(s, e, d + 4);
    if (after - d - 4 < e - s) {
      writeLE32(out, d, after - d - 4);
      d = after;
    } else {
      writeLE32(out, d, 0x80000000 | (e - s));
      out.set(data.subarray(s, e), d + 4);
      d += 4 + (e - s);
    }
  }
  writeLE32(out, d, 0);
  return d + 4;
}
