/** A wasm module's exported memory, as the hand-written modules of the codec use it. */
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow: (pages: number) => number;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/**
 * `view` when it already spans `bytes`, else a view of `memory` grown to at least `bytes`: growing
 * detaches the old buffer, so every view of it is remade.
 */
export function viewWithRoom(memory: WasmMemory, view: Uint8Array, bytes: number): Uint8Array {
  if (view.length >= bytes) return view;
  memory.grow(Math.ceil((bytes - view.length) / 65536));
  return new Uint8Array(memory.buffer);
}

/**
 * Instantiates a module embedded as base64, synchronously (the modules are a few KB). Throws
 * where WebAssembly is missing or refuses the module (e.g. --jitless, no SIMD): each caller then
 * falls back to its JS path.
 */
export function instantiateWasm(base64: string): Record<string, unknown> {
  // The project's TS libs carry no WebAssembly types; this is the slice of the API used here.
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  return new wa.Instance(new wa.Module(Buffer.from(base64, 'base64'))).exports;
}
