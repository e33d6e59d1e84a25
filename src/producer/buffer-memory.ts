/**
 * The `buffer.memory` budget: bytes of records accepted by `send` and not yet acknowledged (or
 * failed). A record that does not fit waits, in arrival order, for earlier records to complete,
 * which is the backpressure a Node caller sees instead of Java's blocked thread. Waiters are
 * served strictly first come, first served, so a large record is not starved by small ones.
 */
const HIGH_WATER = 0.95;
const LOW_WATER = 0.75;

export class BufferMemory {
  readonly limit: number;
  private usedBytes = 0;
  private readonly waiters: Waiter[] = [];
  private roomWaiters: (() => void)[] = [];
  private waiterHead = 0;
  private readonly onPressure: () => void;

  /** `onPressure` is called when a caller starts waiting, for room or with a send. */
  constructor(limit: number, onPressure: () => void = () => undefined) {
    this.limit = limit;
    this.onPressure = onPressure;
  }

  get used(): number {
    return this.usedBytes;
  }

  /** Records waiting for room. */
  get waiting(): number {
    return this.waiters.length - this.waiterHead;
  }

  /** Takes `bytes` now if they fit and nobody is queued ahead; false otherwise. */
  tryReserve(bytes: number): boolean {
    if (this.waiting > 0 || this.usedBytes + bytes > this.limit) return false;
    this.usedBytes += bytes;
    return true;
  }

  /**
   * Waits for `bytes` of room; rejects with `onTimeout()` after `timeoutMs`. The timer is the
   * only one per waiter and is cleared as soon as the room is granted.
   */
  reserve(bytes: number, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    if (this.tryReserve(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { bytes, resolve, reject, timer: undefined, done: false };
      waiter.timer = setTimeout(() => {
        waiter.done = true;
        reject(onTimeout());
        // A timed-out head may have been what blocked the ones behind it.
        this.grant();
      }, timeoutMs);
      this.waiters.push(waiter);
      this.onPressure();
    });
  }

  /**
   * A send now would (nearly) have to wait: someone already waits, or the budget is 95% used.
   * A hint for loops, with {@link whenRoom} as the other half of a high/low-water pair.
   */
  get full(): boolean {
    return this.waiting > 0 || this.usedBytes > this.limit * HIGH_WATER;
  }

  /** Resolves once nothing waits for room and at most 75% of the budget is used. */
  whenRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => {
      this.roomWaiters.push(resolve);
      this.onPressure();
    });
  }

  /**
   * Someone waits for room (a send, or a caller in {@link whenRoom}): as Java's accumulator does
   * when its pool is exhausted, every batch is then worth sending, lingering or not.
   */
  get pressed(): boolean {
    return this.waiting > 0 || this.roomWaiters.length > 0;
  }

  private hasRoom(): boolean {
    return this.waiting === 0 && this.usedBytes <= this.limit * LOW_WATER;
  }

  release(bytes: number): void {
    this.usedBytes -= bytes;
    this.grant();
  }

  /** Rejects every waiter (the producer is closing without flushing them). */
  rejectAll(error: () => Error): void {
    for (let i = this.waiterHead; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (w.done) continue;
      w.done = true;
      clearTimeout(w.timer);
      w.reject(error());
    }
    this.waiters.length = 0;
    this.waiterHead = 0;
    const woken = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of woken) w();
  }

  private grant(): void {
    while (this.waiterHead < this.waiters.length) {
      const w = this.waiters[this.waiterHead]!;
      if (!w.done) {
        if (this.usedBytes + w.bytes > this.limit) break;
        this.usedBytes += w.bytes;
        w.done = true;
        clearTimeout(w.timer);
        w.resolve();
      }
      this.waiterHead++;
    }
    if (this.waiterHead === this.waiters.length) {
      this.waiters.length = 0;
      this.waiterHead = 0;
      if (this.roomWaiters.length > 0 && this.hasRoom()) {
        const woken = this.roomWaiters;
        this.roomWaiters = [];
        for (const w of woken) w();
      }
      return;
    }
    if (this.waiterHead > 1024 && this.waiterHead * 2 > this.waiters.length) {
      this.waiters.splice(0, this.waiterHead);
      this.waiterHead = 0;
    }
  }
}

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}
