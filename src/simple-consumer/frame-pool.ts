/**
 * Memory of released response frames, kept for the next large frames.
 *
 * Why: a fetch answer of a few MiB read into freshly allocated memory pays a page fault (and
 * the kernel's zeroing) for every 4 KiB page as the socket writes into it. A fresh process
 * reading 300 MB of 10 KB messages spent its first hundred MB at roughly half the steady-state
 * transfer rate for that reason alone; reusing the memory of frames already handed out keeps
 * the pages mapped. Only memory that {@link FramePool.give} received is reused, and that is only
 * ever a frame `releaseFrame` detached: every view into it reads as empty from then on, so no
 * old view can see a new frame's bytes.
 *
 * Bounded: at most {@link MAX_ENTRIES} buffers and {@link MAX_POOLED_BYTES} in all, whatever
 * the number of connections or engines in the process.
 */
const MAX_ENTRIES = 4;
const MAX_POOLED_BYTES = 16 * 1024 * 1024;
/** Frames below this come from the allocator as before: few pages, and most are small answers. */
export const POOLED_FRAME_MIN_BYTES = 256 * 1024;
/**
 * Pooled capacities are rounded up to this, so that the next answer of about the same size fits
 * the memory of the last one (answers to one fetch size differ by a few bytes).
 */
const CAPACITY_STEP = 256 * 1024;

class FramePool {
  private readonly free: ArrayBuffer[] = [];
  private bytes = 0;
  /** Frames that were given pooled memory, for tests. */
  lent = 0;

  /** Capacity to allocate for a frame of `size` bytes that may come back to the pool. */
  capacityFor(size: number): number {
    return size < POOLED_FRAME_MIN_BYTES ? size : Math.ceil(size / CAPACITY_STEP) * CAPACITY_STEP;
  }

  /** Pooled memory of at least `size` bytes and at most twice that, removed from the pool. */
  take(size: number): ArrayBuffer | undefined {
    if (size < POOLED_FRAME_MIN_BYTES) return undefined;
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.free[i]!.byteLength;
      if (n >= size && n <= 2 * size && (best < 0 || n < this.free[best]!.byteLength)) best = i;
    }
    if (best < 0) return undefined;
    const [memory] = this.free.splice(best, 1);
    this.bytes -= memory!.byteLength;
    this.lent++;
    return memory;
  }

  /** Keeps detached-and-moved frame memory if it fits the bounds; false when it was not kept. */
  give(memory: ArrayBuffer): boolean {
    const n = memory.byteLength;
    if (n < POOLED_FRAME_MIN_BYTES || n > MAX_POOLED_BYTES) return false;
    // The oldest entry makes room: the newest memory is the likeliest to be in the CPU caches.
    while (this.free.length >= MAX_ENTRIES || (this.free.length > 0 && this.bytes + n > MAX_POOLED_BYTES)) {
      this.bytes -= this.free.shift()!.byteLength;
    }
    this.free.push(memory);
    this.bytes += n;
    return true;
  }

  /** Bytes held, for tests. */
  get pooledBytes(): number {
    return this.bytes;
  }

  /** Drops everything (tests). */
  clear(): void {
    this.free.length = 0;
    this.bytes = 0;
    this.lent = 0;
  }
}

/** One pool per process: the bound holds however many connections read at once. */
export const framePool = new FramePool();
