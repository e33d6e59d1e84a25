import { vi } from 'vitest';

export interface Metered<T> {
  /** Bytes asked of Buffer.alloc / allocUnsafe / allocUnsafeSlow while `run` ran. */
  bytes: number;
  /** True when the meter gave up at `stopAt`: the decoder was still reserving. */
  stopped: boolean;
  /** What `run` returned, or what it threw. */
  outcome: T | unknown;
}

/**
 * Counts the bytes `run` asks of Buffer's allocators: the seam the decoders, node:zlib (its
 * output chunks) and Buffer.concat all allocate through. Past `stopAt` the allocator throws, so
 * a decoder that reserves per block fails its test in milliseconds instead of freezing the run
 * for minutes (the throw may come back wrapped in a CorruptError; `stopped` says it happened).
 */
export function meterAllocations<T>(stopAt: number, run: () => T): Metered<T> {
  const real = {
    alloc: Buffer.alloc,
    allocUnsafe: Buffer.allocUnsafe,
    allocUnsafeSlow: Buffer.allocUnsafeSlow,
  };
  let bytes = 0;
  let stopped = false;
  const count = (size: number): void => {
    bytes += size;
    if (bytes > stopAt) {
      stopped = true;
      throw new Error(`allocation meter: over ${stopAt} bytes`);
    }
  };
  const spies = [
    vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => {
      count(size);
      return real.allocUnsafe.call(Buffer, size);
    }),
    vi.spyOn(Buffer, 'allocUnsafeSlow').mockImplementation((size: number) => {
      count(size);
      return real.allocUnsafeSlow.call(Buffer, size);
    }),
    vi.spyOn(Buffer, 'alloc').mockImplementation(((size: number, ...rest: never[]) => {
      count(size);
      return real.alloc.call(Buffer, size, ...rest);
    }) as typeof Buffer.alloc),
  ];
  let outcome: T | unknown;
  try {
    outcome = run();
  } catch (e) {
    outcome = e;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return { bytes, stopped, outcome };
}

/**
 * Bytes of the distinct ArrayBuffers behind `views`: what keeping them alive keeps alive.
 * Buffers cut from Node's shared 8 KiB pool count once per pool.
 */
export function heldBy(views: Iterable<Uint8Array>): number {
  const buffers = new Set<ArrayBufferLike>();
  for (const v of views) buffers.add(v.buffer);
  let total = 0;
  for (const b of buffers) total += b.byteLength;
  return total;
}
