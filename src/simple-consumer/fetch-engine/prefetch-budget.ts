/**
 * Bytes of fetched data the engine may hold at once: a request reserves the worst case of what
 * it asked for (the sum of its partitions' fetch sizes) before it is sent; once the answer is in,
 * the reservation shrinks to the bytes actually received, and those are released when the last
 * batch cut from that answer is handed out (batches are views into the response frame, so the
 * frame lives exactly that long). Memory therefore stays under the budget for any number of
 * partitions: more partitions only means fewer of them per request.
 */
export class PrefetchBudget {
  readonly limitBytes: number;
  private used = 0;

  /** Called after every release, so waiting fetchers can try again. */
  private readonly onRelease: () => void;

  constructor(limitBytes: number, onRelease: () => void) {
    this.limitBytes = limitBytes;
    this.onRelease = onRelease;
  }

  get usedBytes(): number {
    return this.used;
  }

  /** Bytes that may still be reserved without exceeding the limit. */
  get availableBytes(): number {
    return Math.max(0, this.limitBytes - this.used);
  }

  /**
   * Nothing is held: the only state in which an oversized single request may go out, so a
   * partition whose fetch size exceeds the whole budget can still make progress.
   */
  get idle(): boolean {
    return this.used === 0;
  }

  reserve(bytes: number): void {
    this.used += bytes;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
    if (bytes > 0) this.onRelease();
  }
}
