/**
 * Jittered exponential backoff. Jitter spreads the reconnects of many clients that lost the same
 * broker at the same moment; without it they all hammer the broker again in lock-step.
 *
 * - `full`: uniform in [0, min(max, base * 2^attempt)].
 * - `decorrelated`: uniform in [base, previous * 3], capped at max; grows from the last delay
 *   actually used rather than from the attempt count.
 * - `none`: exactly min(max, base * 2^attempt), for tests and for callers who want predictability.
 */
export type Jitter = 'full' | 'decorrelated' | 'none';

export interface BackoffOptions {
  /** First delay scale in ms (default 100). */
  baseMs?: number;
  /** Upper bound of any delay in ms (default 10 000). */
  maxMs?: number;
  /** Default `full`. */
  jitter?: Jitter;
  /** A source of uniform numbers in [0, 1); injected by tests for deterministic delays. */
  random?: () => number;
}

export class Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly jitter: Jitter;
  private readonly random: () => number;
  private attempt = 0;
  private previousMs: number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 100;
    this.maxMs = options.maxMs ?? 10_000;
    this.jitter = options.jitter ?? 'full';
    this.random = options.random ?? Math.random;
    if (!(this.baseMs >= 0) || !(this.maxMs >= this.baseMs)) {
      throw new RangeError(`backoff needs 0 <= baseMs <= maxMs, got ${this.baseMs} and ${this.maxMs}`);
    }
    this.previousMs = this.baseMs;
  }

  /** Failures since the last {@link reset}. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay to wait before the next attempt; each call counts one more failure. */
  next(): number {
    const r = Math.min(Math.max(this.random(), 0), 1);
    // 2^attempt stops growing long before it could overflow: the cap applies at once anyway.
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 52));
    this.attempt++;
    let delay: number;
    switch (this.jitter) {
      case 'none':
        delay = ceiling;
        break;
      case 'full':
        delay = r * ceiling;
        break;
      case 'decorrelated': {
        const high = Math.max(this.baseMs, this.previousMs * 3);
        delay = Math.min(this.maxMs, this.baseMs + r * (high - this.baseMs));
        break;
      }
    }
    this.previousMs = delay;
    return Math.round(delay);
  }

  /** Call after a success: the next failure starts from the base delay again. */
  reset(): void {
    this.attempt = 0;
    this.previousMs = this.baseMs;
  }
}
