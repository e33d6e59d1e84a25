/**
 * Buffer views without `subarray`. `Buffer#subarray` is TypedArray's, which looks up the species
 * constructor on every call: about 50 ns on Node 20 for a view that dies young, while
 * constructing the same view directly costs what a plain Uint8Array does (about 20 ns); for
 * views that are kept, garbage collection narrows that to 47 against 38 ns (bench/codec/view.js).
 * The decoder cuts up to two views per message, millions of times a second.
 *
 * Node's species constructor for Buffer is its internal FastBuffer class, the one every Buffer
 * is an instance of. If a Node version ever answers differently, `subarray` is used instead.
 */

type ViewConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;

function speciesConstructor(): ViewConstructor | undefined {
  const species: unknown = (Buffer as unknown as Record<symbol, unknown>)[Symbol.species];
  if (typeof species !== 'function' || species === Buffer) return undefined;
  try {
    const Ctor = species as ViewConstructor;
    const probe = new Ctor(new ArrayBuffer(4), 1, 2);
    if (Buffer.isBuffer(probe) && probe.length === 2 && probe.byteOffset === 1) return Ctor;
  } catch {
    // Not a constructor of that shape: fall back below.
  }
  return undefined;
}

const Species = speciesConstructor();

/**
 * `buf.subarray(start, end)`, faster. The caller has checked `0 <= start <= end <= buf.length`;
 * the typed-array constructor still throws RangeError rather than reading outside the memory.
 */
export const bufferView: (buf: Buffer, start: number, end: number) => Buffer =
  Species === undefined
    ? (buf, start, end) => buf.subarray(start, end)
    : (buf, start, end) => new Species(buf.buffer, buf.byteOffset + start, end - start);

/** True when views are built directly (false means the `subarray` fallback is in use). */
export const fastBufferViews: boolean = Species !== undefined;

/** A view of `length` bytes of `memory` from `byteOffset`, built the same way; the caller checked the range. */
export const memoryView: (memory: ArrayBufferLike, byteOffset: number, length: number) => Buffer =
  Species === undefined
    ? (memory, byteOffset, length) => Buffer.from(memory, byteOffset, length)
    : (memory, byteOffset, length) => new Species(memory, byteOffset, length);
