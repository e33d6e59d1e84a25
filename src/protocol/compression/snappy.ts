import * as snappyjs from 'snappyjs';
import { CorruptError } from '../errors.js';
import { compressWasmStage, snappyMaxBlock, snappyWasmCompress } from './compress-wasm.js';
import { decodeSnappyBlock, SNAPPY_FIELD, snappyDeclaredLength, snappyOutputRoom } from './snappy-block.js';
import { snappyWasmDecode, snappyWasmStage } from './snappy-wasm.js';

/**
 * Snappy as Kafka 0.8 carries it. The Java producer (and the broker, which recompresses) writes
 * snappy-java's stream framing: an 8-byte magic, two BE int32 version fields, then chunks of
 * `BE int32 length` + one raw snappy block (up to 32 KiB of input each). Non-Java producers may
 * send one bare raw block instead, which brokers accept. The frame is recognised by ALL 8 magic
 * bytes, because a raw block can itself start with 0x82. Compression is in wasm
 * (compress-wasm.ts), with snappyjs where wasm is not used. Decompression: frames in wasm
 * (snappy-wasm.ts), raw blocks and every block wasm refuses in JS (snappy-block.ts), which also
 * names what is wrong.
 */

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Version 1, compatible version 1, as snappy-java writes them. */
const XERIAL_VERSIONS = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1]);
const XERIAL_HEADER = 16;
const CHUNK_INPUT = 32 * 1024;

function fail(reason: 'bad-compression' | 'too-large', message: string, at: number): never {
  throw new CorruptError(reason, message, at, SNAPPY_FIELD);
}

export function isXerialFramed(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER) return false;
  for (let i = 0; i < 8; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The declared length of the block at `start`, refused before anything is allocated for it. */
function checkedLength(src: Uint8Array, start: number, end: number, room: number, maxBytes: number): number {
  const len = snappyDeclaredLength(src, start, end);
  if (len < 0) fail('bad-compression', 'malformed snappy length varint', start);
  if (len > room)
    fail('too-large', `snappy block declares ${len} bytes, over the ${maxBytes} byte limit`, start);
  return len;
}

/** The size of the xerial chunk whose BE int32 length is at `pos`, checked against the payload. */
function chunkSize(src: Uint8Array, pos: number): number {
  if (src.length - pos < 4) fail('bad-compression', 'truncated snappy chunk length', pos);
  const size = ((src[pos]! << 24) | (src[pos + 1]! << 16) | (src[pos + 2]! << 8) | src[pos + 3]!) >>> 0;
  if (size > src.length - pos - 4)
    fail('bad-compression', `snappy chunk of ${size} bytes overruns the payload`, pos);
  return size;
}

/**
 * Decompresses xerial-framed or raw snappy; output never exceeds `maxBytes`. A frame is sized
 * from its blocks' declared lengths first, so all chunks decode into one buffer with no concat.
 * What is allocated is also capped by what the blocks' bytes could produce, so a declared length
 * within the budget but far beyond the block costs nothing before it is refused.
 */
export function snappyDecompress(src: Uint8Array, maxBytes: number): Buffer {
  if (!isXerialFramed(src)) {
    const len = checkedLength(src, 0, src.length, maxBytes, maxBytes);
    const out = Buffer.allocUnsafe(snappyOutputRoom(len, 0, src.length));
    decodeSnappyBlock(src, 0, src.length, out, 0);
    return out;
  }
  let total = 0;
  let room = 0;
  for (let pos = XERIAL_HEADER; pos < src.length; ) {
    const size = chunkSize(src, pos);
    pos += 4;
    if (size > 0) {
      const len = checkedLength(src, pos, pos + size, maxBytes - total, maxBytes);
      total += len;
      room += snappyOutputRoom(len, pos, pos + size);
    }
    pos += size;
  }
  // Equal to `total` unless some block declares more than it holds; that block throws below.
  const out = Buffer.allocUnsafe(room);
  if (decodeFramedInWasm(src, out)) return out;
  let d = 0;
  for (let pos = XERIAL_HEADER; pos < src.length; ) {
    const size = chunkSize(src, pos);
    pos += 4;
    if (size > 0) d += decodeSnappyBlock(src, pos, pos + size, out, d);
    pos += size;
  }
  return out;
}

/**
 * The frame's blocks decoded in wasm into `out` (sized as above); false when wasm is not used
 * or refused a block: the JS decoder then decodes the frame (and names what is wrong).
 */
function decodeFramedInWasm(src: Uint8Array, out: Buffer): boolean {
  const staged = snappyWasmStage(src, out.length);
  if (staged === undefined) return false;
  let d = 0;
  for (let pos = XERIAL_HEADER; pos < src.length; ) {
    const size = chunkSize(src, pos);
    pos += 4;
    if (size > 0) {
      const end = pos + size;
      const len = snappyDeclaredLength(src, pos, end);
      const room = snappyOutputRoom(len, pos, end);
      if (len !== room || room > out.length - d) return false;
      let s = pos + 1;
      while (src[s - 1]! >= 0x80) s++;
      if (snappyWasmDecode(s, end, staged.out + d, room) !== len) return false;
      d += len;
    }
    pos += size;
  }
  out.set(staged.mem.subarray(staged.out, staged.out + d));
  return d === out.length;
}

/** Compresses in snappy-java's stream framing (version 1, compatible 1), as the Java producer does. */
export function snappyCompress(data: Uint8Array): Buffer {
  const framed = xerialInWasm(data);
  if (framed !== undefined) return framed;
  const parts: Buffer[] = [XERIAL_MAGIC, XERIAL_VERSIONS];
  for (let s = 0; s < data.length; s += CHUNK_INPUT) {
    const block = snappyjs.compress(data.subarray(s, Math.min(s + CHUNK_INPUT, data.length)));
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(block.length, 0);
    parts.push(len, Buffer.from(block.buffer, block.byteOffset, block.length));
  }
  return Buffer.concat(parts);
}

/** The frame compressed in wasm memory and copied out, or undefined when wasm is not used. */
function xerialInWasm(data: Uint8Array): Buffer | undefined {
  const chunks = Math.ceil(data.length / CHUNK_INPUT);
  const staged = compressWasmStage(data, XERIAL_HEADER + chunks * (4 + snappyMaxBlock(CHUNK_INPUT)));
  if (staged === undefined) return undefined;
  const { mem, src, out } = staged;
  mem.set(XERIAL_MAGIC, out);
  mem.set(XERIAL_VERSIONS, out + 8);
  let d = out + XERIAL_HEADER;
  for (let s = 0; s < data.length; s += CHUNK_INPUT) {
    const e = Math.min(s + CHUNK_INPUT, data.length);
    const after = snappyWasmCompress(src + s, src + e, d + 4);
    const size = after - d - 4;
    mem[d] = size >>> 24;
    mem[d + 1] = size >>> 16;
    mem[d + 2] = size >>> 8;
    mem[d + 3] = size;
    d = after;
  }
  return Buffer.from(mem.subarray(out, d));
}

/** A single raw snappy block (what non-Java clients send); for tests and tools. */
export function snappyCompressRaw(data: Uint8Array): Buffer {
  const staged = compressWasmStage(data, snappyMaxBlock(data.length));
  if (staged !== undefined) {
    const { mem, src, out } = staged;
    return Buffer.from(mem.subarray(out, snappyWasmCompress(src, src + data.length, out)));
  }
  const block = snappyjs.compress(data);
  return Buffer.from(block.buffer, block.byteOffset, block.length);
}
