/*
 * Snappy blocks decoded in WebAssembly, with snappy-block.ts as the reference and the judge.
 *
 * Why: decodeSnappyBlock was a third of the CPU profile of the snappy consumer benchmark (200 x
 * 100 B wrappers of 16-letter text, where the elements are short literals and 4-11 byte copies,
 * so the cost is per element, not per byte). The wasm loop moves a short literal or copy in one
 * 16-byte (or 8-byte) load and store, with no bounds check per byte; bench/codec/snappy.js has
 * the figures.
 *
 * It only ever says "these bytes" or "no": on -1, or a length other than the declared one, the
 * caller decodes the block in JS, which either throws the precise CorruptError or (should the
 * two ever disagree) produces the output itself. Output written by wasm is copied out into a
 * Buffer of its own, so no view ever points into wasm memory.
 *
 * The module's source is snappy-wasm.wat next to this file (assembled with wabt 1.0.36).
 */
import { instantiateWasm, viewWithRoom, type WasmMemory } from '../wasm-instance.js';

const SNAPPY_WASM =
  'AGFzbQEAAAABCQFgBH9/f38BfwMCAQAFAwEAAQcTAgZtZW1vcnkCAAZkZWNvZGUAAAqPBQGMBQEJfwJAAkADQCAAIAFPDQEgAC0AACEFIAVBA3FFBEAgBUECdkEBaiEGIABBAWohByAGQTxLBEAgBkE8ayEJIAkgASAHa0oNBCAHLQAAIQggCUEBSwRAIAggBy0AAUEIdHIhCAsgCUECSwRAIAggBy0AAkEQdHIhCAsgCUEDSwRAIAggBy0AA0EYdHIhCAsgByAJaiEHIAhBAEgNBCAIIAEgB2tODQQgCEEBaiEGCyAGIAEgB2tKDQMgBiADIARrSg0DIAZBEE0EQCACIARqIAf9AAAA/QsAAAUgAiAEaiAHIAb8CgAACyAEIAZqIQQgByAGaiEADAELIAVBA3FBAUYEQCABIABrQQJIDQMgBUECdkEHcUEEaiEGIAVBBXZBCHQgAC0AAXIhCCAAQQJqIQAFIAVBA3FBAkYEQCABIABrQQNIDQQgAC8AASEIIABBA2ohAAUgASAAa0EFSA0EIAAoAAEhCCAAQQVqIQALIAVBAnZBAWohBgsgCEUNAiAIQQBIDQIgCCAESg0CIAYgAyAEa0oNAiACIARqIQogCiAIayELIAogBmohDCAIQRBPBEADQCAKIAv9AAAA/QsAACAKQRBqIQogC0EQaiELIAogDEkNAAsFIAhBCE8EQANAIAogCykAADcAACAKQQhqIQogC0EIaiELIAogDEkNAAsFIAhBAUYEQCAKIAstAAAgBvwLAAUgCkEIaiEJA0AgCiALLQAAOgAAIApBAWohCiALQQFqIQsgCiAJSQ0ACyAKIAxJBEAgCiAIIAhBB2ogCG5sayELA0AgCiALKQAANwAAIApBCGohCiALQQhqIQsgCiAMSQ0ACwsLCwsgBCAGaiEEDAALCyAEDwtBfws=';

/** Bytes after the input and after the output that wide loads and stores may touch. */
const SLACK = 64;
/**
 * Largest input + output decoded in wasm. Wasm memory never shrinks, so a rare huge wrapper
 * goes to the JS decoder instead of growing it for the life of the process.
 */
export const SNAPPY_WASM_MAX_BYTES = 8 * 1024 * 1024;

interface Decoder {
  decode: (s: number, end: number, out: number, room: number) => number;
  memory: WasmMemory;
  mem: Uint8Array;
}

let enabled = true;
/** Undefined until first use; null when WebAssembly (or its SIMD) is unavailable. */
let decoder: Decoder | null | undefined;

function load(): Decoder | null {
  try {
    const exports = instantiateWasm(SNAPPY_WASM);
    const memory = exports.memory as Decoder['memory'];
    const d: Decoder = {
      decode: exports.decode as Decoder['decode'],
      memory,
      mem: new Uint8Array(memory.buffer),
    };
    // A literal "abcd" then a 2-byte-offset copy of 8 bytes at offset 4: "abcdabcdabcd".
    d.mem.set([0x0c, 0x61, 0x62, 0x63, 0x64, 0x1e, 0x04, 0x00], 0);
    const ok =
      d.decode(0, 8, 128, 12) === 12 &&
      Buffer.from(d.mem.subarray(128, 140)).toString('latin1') === 'abcdabcdabcd' &&
      d.decode(5, 8, 128, 12) === -1;
    return ok ? d : null;
  } catch {
    // No WebAssembly, or no SIMD (e.g. --jitless, old engines): the JS decoder does the work.
    return null;
  }
}

/** Whether xerial frames are decoded in wasm here (false when off, or under --jitless). */
export function snappyWasmAvailable(): boolean {
  decoder ??= load();
  return enabled && decoder !== null;
}

/** Test and benchmark hook: with false, every block goes to the JS decoder. */
export function configureSnappyWasm(options: { enabled?: boolean }): void {
  if (options.enabled !== undefined) enabled = options.enabled;
}

/**
 * Wasm memory holding `src` at 0 and room for `outBytes` of output at the returned offset, or
 * undefined when wasm is off, unavailable or the sizes are over {@link SNAPPY_WASM_MAX_BYTES}.
 */
export function snappyWasmStage(
  src: Uint8Array,
  outBytes: number,
): { mem: Uint8Array; out: number } | undefined {
  if (!enabled || src.length + outBytes > SNAPPY_WASM_MAX_BYTES) return undefined;
  decoder ??= load();
  if (decoder === null) return undefined;
  const out = (src.length + SLACK + 15) & ~15;
  decoder.mem = viewWithRoom(decoder.memory, decoder.mem, out + outBytes + SLACK);
  decoder.mem.set(src, 0);
  return { mem: decoder.mem, out };
}

/**
 * Decodes the elements of the block whose varint ends at `s` (input `[s, end)` as staged by
 * {@link snappyWasmStage}) into wasm memory at `out`, within `room` bytes. Returns the bytes
 * written, or -1 when wasm refused the block.
 */
export function snappyWasmDecode(s: number, end: number, out: number, room: number): number {
  return decoder!.decode(s, end, out, room);
}
