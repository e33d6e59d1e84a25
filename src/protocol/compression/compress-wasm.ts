/*
 * Snappy and LZ4 blocks compressed in WebAssembly; snappyjs and compressLz4Block (lz4-block.ts)
 * stay as the fallback where wasm is unavailable, switched off, or the input is too large.
 *
 * Why: compressing took about half of the producer's CPU with snappy and lz4, and the JS
 * compressors pay per byte for what wasm does per word: hashing and comparing 4 and 8 bytes per
 * load, copying literals 16 bytes at a time, a 16-bit hash table small enough to stay in the L1
 * cache. bench/codec/compress.js measures both. Output is copied out of wasm memory into a
 * Buffer of its own, so no view ever points into it.
 *
 * The module's source is compress-wasm.wat next to this file (assembled with wabt 1.0.36). The
 * sha256 of the source it was assembled from is kept beside it; a unit test compares it with the
 * .wat, so an edit that is not assembled and embedded again fails.
 */
import { instantiateWasm, viewWithRoom, type WasmMemory } from '../wasm-instance.js';

// compress-wasm.wat sha256 234568ccfc6132ca2c41dad517723c7292a1e68db220627eb0f20a09ab62bfa9
const COMPRESS_WASM =
  'AGFzbQEAAAABFgNgA39/fwF/YAR/f39/AX9gAn9/AX8DCQgAAAAAAQIAAQUDAQACBxkDBm1lbW9yeQIABnNuYXBweQAEA2x6NAAHCtoNCHABAX4CQANAIAFBCGogAksNASAAKQAAIAEpAACFIQMgA0IAUgRAIAEgA3pCA4inag8LIABBCGohACABQQhqIQEMAAsLAkADQCABIAJPDQEgAC0AACABLQAARw0BIABBAWohACABQQFqIQEMAAsLIAELSwECfyAAIAJqIQQgAkGAAUsEQCAAIAEgAvwKAAAgBA8LIAAhAwNAIAMgAf0AAAD9CwAAIANBEGohAyABQRBqIQEgAyAESQ0ACyAEC6IBAQF/IAEgAk8EQCAADwsgAiABa0EBayEDIANBPEkEQCAAIANBAnQ6AAAgAEEBaiEABSAAIAM2AAEgA0GAAkkEQCAAQfABOgAAIABBAmohAAUgA0GAgARJBEAgAEH0AToAACAAQQNqIQAFIANBgICACEkEQCAAQfgBOgAAIABBBGohAAUgAEH8AToAACAAQQVqIQALCwsLIAAgASACIAFrEAELpQEAA0AgAkHEAE8EQCAAQf4BOgAAIAAgATsAASAAQQNqIQAgAkHAAGshAgwBCwsgAkHAAEsEQCAAQe4BOgAAIAAgATsAASAAQQNqIQAgAkE8ayECCyACQQxJIAFBgBBJcQRAIABBASACQQRrQQJ0ciABQQh2QQV0cjoAACAAIAE6AAEgAEECag8LIABBAiACQQFrQQJ0cjoAACAAIAE7AAEgAEEDagu4BAIMfwF+IAIhBCAAIQwCQCABIABrQRBJDQAgAUEMayEGQSAgA2shBUEAQQBBAiADdPwLACAAQQFqIQcDQEEgIQkgByEIA0AgCCEHIAcgCUEFdmohCCAJQQFqIQkgByAGSw0CIAcoAAAhDSANQbHz3fF5bCAFdkEBdCEKIAAgCi8BAGohCyAKIAcgAGs7AQAgCygAACANRw0ACwJAA0AgByAMTQ0BIAsgAE0NASAHQQFrLQAAIAtBAWstAABHDQEgB0EBayEHIAtBAWshCwwACwsgByAMayEOIA5BEE0EQCAOBEAgBCAOQQFrQQJ0OgAAIAQgDP0AAAD9CwABIARBAWogDmohBAsFIAQgDCAHEAIhBAsDQCALKQAEIAcpAASFIRAgEFAEQCALQQxqIAdBDGogARAAIAdrIQ4FQQQgEHpCA4inaiEOCyAHIAtrIQ8gDkEMSSAPQYAQSXEEQCAEQQEgDkEEa0ECdHIgD0EIdkEFdHI6AAAgBCAPOgABIARBAmohBAUgDkHAAE0EQCAEQQIgDkEBa0ECdHI6AAAgBCAPOwABIARBA2ohBAUgBCAPIA4QAyEECwsgByAOaiEHIAchDCAHIAZLDQIgB0EBaygAACENIA1BsfPd8XlsIAV2QQF0IAdBAWsgAGs7AQAgBygAACENIA1BsfPd8XlsIAV2QQF0IQogACAKLwEAaiELIAogByAAazsBACALKAAAIA1GDQALIAdBAWohBwwACwsgBCAMIAEQAgszAANAIAFB/wFPBEAgAEH/AToAACAAQQFqIQAgAUH/AWshAQwBCwsgACABOgAAIABBAWoLQwEBfyACIAFrIQMgA0EPSQRAIAAgA0EEdDoAACAAQQFqIQAFIABB8AE6AAAgAEEBaiADQQ9rEAUhAAsgACABIAMQAQudBAIOfwF+IAIhBCAAIQ4CQCABIABrQQxNDQAgAUEMayEHIAFBBWshCEEgIANrIQZBAEEAQQIgA3T8CwAgAEEBaiEJA0BBwAAhCyAJIQoDQCAKIQkgCSALQQZ2aiEKIAtBAWohCyAJIAdPDQIgCSgAACEPIA9BsfPd8XlsIAZ2QQF0IQwgACAMLwEAaiENIAwgCSAAazsBACANKAAAIA9HDQALAkADQCAJIA5NDQEgDSAATQ0BIAlBAWstAAAgDUEBay0AAEcNASAJQQFrIQkgDUEBayENDAALCwNAIAQhBSAJIA5rIRAgEEEPSQRAIAQgEEEEdDoAACAEIA79AAAA/QsAASAEQQFqIBBqIQQFIAQgDiAJEAYhBAsgBCAJIA1rOwAAIARBAmohBCANKQAEIAkpAASFIRIgEkIAUiAJQQxqIAhNcQRAIAlBBGogEnpCA4inaiERBSANQQRqIAlBBGogCBAAIRELIBEgCWtBBGshECARIQkgCSEOIBBBD0kEQCAFIAUtAAAgEHI6AAAFIAUgBS0AAEEPcjoAACAEIBBBD2sQBSEECyAJIAdPDQIgCUECaygAACEPIA9BsfPd8XlsIAZ2QQF0IAlBAmsgAGs7AQAgCSgAACEPIA9BsfPd8XlsIAZ2QQF0IQwgACAMLwEAaiENIAwgCSAAazsBACANKAAAIA9GDQALIAlBAWohCQwACwsgBCAOIAEQBgs=';

/** The input is staged here, after the hash table (see compress-wasm.wat). */
const INPUT_AT = 65536;
/** The most one wasm call compresses: its offsets and table positions fit 16 bits. */
export const WASM_BLOCK_MAX = 65536;
/** Bytes after the input and after the output that 16-byte loads and stores may touch. */
const SLACK = 64;
/**
 * Largest input + output compressed in wasm. Wasm memory never shrinks, so a rare huge batch
 * goes to the JS compressor instead of growing it for the life of the process.
 */
export const COMPRESS_WASM_MAX_BYTES = 8 * 1024 * 1024;

type BlockCompressor = (src: number, end: number, dst: number, tableBits: number) => number;

interface Compressor {
  snappy: BlockCompressor;
  lz4: BlockCompressor;
  memory: WasmMemory;
  mem: Uint8Array;
}

const TABLE_BITS_MAX = 14;

/** Where {@link compressWasmStage} put the input, and where output may start. */
export interface CompressStage {
  mem: Uint8Array;
  src: number;
  out: number;
}

let enabled = true;
/** Undefined until first use; null when WebAssembly (or its SIMD) is unavailable. */
let compressor: Compressor | null | undefined;

/**
 * Hash table size for `n` bytes of input: about one slot per byte up to 2^TABLE_BITS_MAX. A
 * table larger than the input only costs clearing; one much smaller misses matches.
 */
function tableBits(n: number): number {
  return Math.min(TABLE_BITS_MAX, Math.max(8, 32 - Math.clz32(n - 1)));
}

// "abcdefgh" 4 times: the literal "abcdefgh", then a copy 8 back (snappy: the other 24 bytes;
// LZ4: up to 5 bytes before the end, which are literals).
const PROBE = Buffer.from('abcdefgh'.repeat(4), 'latin1');
const PROBE_SNAPPY = [0x1c, ...PROBE.subarray(0, 8), 0x5e, 0x08, 0x00];
const PROBE_LZ4 = [0x8f, ...PROBE.subarray(0, 8), 0x08, 0x00, 0x00, 0x50, ...PROBE.subarray(27)];

function load(): Compressor | null {
  try {
    const exports = instantiateWasm(COMPRESS_WASM);
    const memory = exports.memory as WasmMemory;
    const c: Compressor = {
      snappy: exports.snappy as BlockCompressor,
      lz4: exports.lz4 as BlockCompressor,
      memory,
      mem: new Uint8Array(memory.buffer),
    };
    c.mem.set(PROBE, INPUT_AT);
    const out = INPUT_AT + 256;
    const end = INPUT_AT + PROBE.length;
    const same = (n: number, expected: number[]): boolean =>
      n - out === expected.length && expected.every((b, i) => c.mem[out + i] === b);
    const ok =
      same(c.snappy(INPUT_AT, end, out, 8), PROBE_SNAPPY) && same(c.lz4(INPUT_AT, end, out, 8), PROBE_LZ4);
    return ok ? c : null;
  } catch {
    // No WebAssembly, or no SIMD (e.g. --jitless, old engines): the JS compressors do the work.
    return null;
  }
}

/** Whether blocks are compressed in wasm here (false when off, or under --jitless). */
export function compressWasmAvailable(): boolean {
  compressor ??= load();
  return enabled && compressor !== null;
}

/** Test and benchmark hook: with false, every block goes to the JS compressors. */
export function configureCompressWasm(options: { enabled?: boolean }): void {
  if (options.enabled !== undefined) enabled = options.enabled;
}

/**
 * Wasm memory holding `data` at `src` and room for `outBytes` of output from `out`, or
 * undefined when wasm is off, unavailable or the sizes are over {@link COMPRESS_WASM_MAX_BYTES}.
 */
export function compressWasmStage(data: Uint8Array, outBytes: number): CompressStage | undefined {
  if (!enabled || data.length + outBytes > COMPRESS_WASM_MAX_BYTES) return undefined;
  compressor ??= load();
  if (compressor === null) return undefined;
  const out = (INPUT_AT + data.length + SLACK + 15) & ~15;
  compressor.mem = viewWithRoom(compressor.memory, compressor.mem, out + outBytes + SLACK);
  compressor.mem.set(data, INPUT_AT);
  return { mem: compressor.mem, out, src: INPUT_AT };
}

/**
 * One raw snappy block (varint length, then elements) of the staged bytes `[src, end)`, written
 * at `dst`, at most {@link snappyMaxBlock} bytes; returns where it ends. Its input is matched in
 * fragments of {@link WASM_BLOCK_MAX} bytes, which a block of any length may hold.
 */
export function snappyWasmCompress(src: number, end: number, dst: number): number {
  const c = compressor!;
  let d = dst;
  let n = end - src;
  while (n >= 0x80) {
    c.mem[d++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  c.mem[d++] = n;
  for (let s = src; s < end; s += WASM_BLOCK_MAX) {
    const e = Math.min(s + WASM_BLOCK_MAX, end);
    d = c.snappy(s, e, d, tableBits(e - s));
  }
  return d;
}

/**
 * One LZ4 block of the staged bytes `[src, end)`, at most {@link WASM_BLOCK_MAX} of them, at
 * `dst` (at most lz4BlockBound bytes); returns its end.
 */
export function lz4WasmCompress(src: number, end: number, dst: number): number {
  if (end - src > WASM_BLOCK_MAX) throw new RangeError(`an LZ4 block of ${end - src} bytes is over 64 KiB`);
  return compressor!.lz4(src, end, dst, tableBits(end - src));
}

/** Worst-case size of a raw snappy block of `n` bytes, as either compressor writes it. */
export function snappyMaxBlock(n: number): number {
  return 32 + n + Math.floor(n / 6);
}
