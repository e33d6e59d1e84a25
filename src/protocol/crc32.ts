import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE / zlib polynomial, as `java.util.zip.CRC32`) over `buf[start, end)`.
 *
 * Why two routines: a message-set entry is usually ~100 bytes, and there a table-driven JS loop
 * that takes a byte range wins, because it needs no `subarray` view (an allocation) and avoids the
 * native call overhead. Above {@link NATIVE_CRC_THRESHOLD} bytes Node's `zlib.crc32` (Node 20.15+)
 * is faster. The threshold was measured on the 2-core dev box (bench/codec/crc.js): at 256 bytes
 * the JS loop still wins, at 512 the native call wins. We did not use the `crc-32` package for
 * the small case: it only hashes whole buffers, so each call would need a view, which made it
 * slower than the ranged loop at every size we measured.
 */
export const NATIVE_CRC_THRESHOLD = 384;

/**
 * Slice-by-16 tables: table k (at k * 256) maps a byte to its CRC contribution k positions
 * further back. Exported for the wasm modules, which copy the first 8 into their memory.
 */
export const CRC_TABLE = new Int32Array(256 * 16);
const TABLE = CRC_TABLE;
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = TABLE[n]!;
  for (let k = 1; k < 16; k++) {
    c = TABLE[c & 0xff]! ^ (c >>> 8);
    TABLE[k * 256 + n] = c;
  }
}

const nativeCrc32: ((data: Uint8Array, value?: number) => number) | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (zlib as unknown as { crc32: (data: Uint8Array, value?: number) => number }).crc32
    : undefined;

/** The ranged JS loop, exported for the benchmark and tests; callers use {@link crc32}. */
export function crc32Js(buf: Uint8Array, start: number, end: number): number {
  const t = TABLE;
  let c = -1;
  let i = start;
  for (; i + 16 <= end; i += 16) {
    c ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    c =
      t[3840 + (c & 0xff)]! ^
      t[3584 + ((c >>> 8) & 0xff)]! ^
      t[3328 + ((c >>> 16) & 0xff)]! ^
      t[3072 + (c >>> 24)]! ^
      t[2816 + buf[i + 4]!]! ^
      t[2560 + buf[i + 5]!]! ^
      t[2304 + buf[i + 6]!]! ^
      t[2048 + buf[i + 7]!]! ^
      t[1792 + buf[i + 8]!]! ^
      t[1536 + buf[i + 9]!]! ^
      t[1280 + buf[i + 10]!]! ^
      t[1024 + buf[i + 11]!]! ^
      t[768 + buf[i + 12]!]! ^
      t[512 + buf[i + 13]!]! ^
      t[256 + buf[i + 14]!]! ^
      t[buf[i + 15]!]!;
  }
  for (; i < end; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Unsigned CRC-32 of `buf[start, end)`; the caller guarantees the range is inside `buf`. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  if (end - start >= NATIVE_CRC_THRESHOLD && nativeCrc32 !== undefined) {
    return nativeCrc32(buf.subarray(start, end)) >>> 0;
  }
  return crc32Js(buf, start, end);
}

/*
 * Windowed CRC for the message-set scan: a WebAssembly slice-by-8 loop over a copy of the set.
 *
 * Why: the JS loop bounds-checks every table and byte access; wasm does not, and for 114-byte
 * messages it was ~89 ns (JS) vs ~72 ns (wasm, copy included) on the 2-core dev box
 * (bench/codec/crc.js). A per-message copy into wasm memory would cost a `subarray` each, so the
 * set is copied in windows of up to WINDOW bytes and each message in the window is hashed in place.
 * The copy makes the result stale if `buf` changes between calls, so callers must call
 * {@link clearCrcWindow} before a run of calls and must not let other code touch `buf` during it.
 *
 * Module (assembled with wabt 1.0.36; tables 7..0 at byte 0, 1024, ..., 7168 of memory, window at
 * WINDOW_BASE):
 *   (memory (export "memory") 2)
 *   (func (export "crc") (param $p i32) (param $e i32) (result i32) (local $c i32) (local $a i32) (local $b i32)
 *     c = -1
 *     while p + 8 <= e:
 *       a = load32(p) ^ c; b = load32(p + 4)
 *       c = T7[a & 255] ^ T6[(a >>> 8) & 255] ^ T5[(a >>> 16) & 255] ^ T4[a >>> 24]
 *         ^ T3[b & 255] ^ T2[(b >>> 8) & 255] ^ T1[(b >>> 16) & 255] ^ T0[b >>> 24]   ; Tk at k*1024
 *       p += 8
 *     while p < e: c = T0[(c ^ load8_u(p)) & 255] ^ (c >>> 8); p += 1
 *     return ~c)
 */
const WASM_CRC =
  'AGFzbQEAAAABBwFgAn9/AX8DAgEABQMBAAIHEAIGbWVtb3J5AgADY3JjAAAK5AEB4QEBA39BfyECAkADQCAAQQhqIAFLDQEgACgCACACcyEDIAAoAgQhBCADQf8BcUECdCgCgDggA0EIdkH/AXFBAnQoAoAwcyADQRB2Qf8BcUECdCgCgCggA0EYdkECdCgCgCBzcyAEQf8BcUECdCgCgBggBEEIdkH/AXFBAnQoAoAQcyAEQRB2Qf8BcUECdCgCgAggBEEYdkECdCgCAHNzcyECIABBCGohAAwACwsCQANAIAAgAU8NASACIAAtAABzQf8BcUECdCgCACACQQh2cyECIABBAWohAAwACwsgAkF/cws=';
const WINDOW_BASE = 8 * 1024;
const WINDOW = 2 * 65536 - WINDOW_BASE;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

interface WasmCrc {
  crc: (p: number, e: number) => number;
  mem: Uint8Array;
}

function loadWasm(): WasmCrc | undefined {
  try {
    // The project's TS libs carry no WebAssembly types; this is the slice of the API used here.
    const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const instance = new wa.Instance(new wa.Module(Buffer.from(WASM_CRC, 'base64')));
    const memory = instance.exports.memory as { buffer: ArrayBuffer };
    const crc = instance.exports.crc as (p: number, e: number) => number;
    // Wasm is little-endian whatever the host is; DataView writes the tables that way.
    const view = new DataView(memory.buffer);
    for (let i = 0; i < 8 * 256; i++) view.setInt32(i * 4, TABLE[i]!, true);
    const wasm = { crc, mem: new Uint8Array(memory.buffer) };
    // Refuse a module that disagrees with the JS loop (never expected; keeps a broken build safe).
    const probe = Buffer.from('123456789abcdefghij');
    wasm.mem.set(probe, WINDOW_BASE);
    if (crc(WINDOW_BASE, WINDOW_BASE + probe.length) >>> 0 !== crc32Js(probe, 0, probe.length))
      return undefined;
    return wasm;
  } catch {
    // No WebAssembly (e.g. --jitless): the JS loop does the work.
    return undefined;
  }
}

const wasm = loadWasm();
let windowBuf: Uint8Array | null = null;
let windowStart = 0;
let windowEnd = 0;

/** Forgets the copied window; call before a run of {@link crc32InWindow} calls. */
export function clearCrcWindow(): void {
  windowBuf = null;
}

/**
 * {@link crc32} for a run of calls over ranges of one unchanging buffer, in increasing order (the
 * message-set scan). See the note above WASM_CRC for the contract.
 */
export function crc32InWindow(buf: Uint8Array, start: number, end: number): number {
  if (wasm === undefined || end - start >= NATIVE_CRC_THRESHOLD) return crc32(buf, start, end);
  if (buf !== windowBuf || start < windowStart || end > windowEnd) {
    windowBuf = buf;
    windowStart = start;
    windowEnd = Math.min(buf.length, start + WINDOW);
    wasm.mem.set(buf.subarray(windowStart, windowEnd), WINDOW_BASE);
  }
  return wasm.crc(WINDOW_BASE + start - windowStart, WINDOW_BASE + end - windowStart) >>> 0;
}
