/** The last `size` durations (ms), for quantiles; recording is a store into a ring. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private count = 0;

  constructor(size = 1024) {
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.count % this.samples.length] = ms;
    this.count++;
  }

  /** The q-quantile (0..1) of the window; 0 before any sample. */
  quantile(q: number): number {
    const n = Math.min(this.count, this.samples.length);
    if (n === 0) return 0;
    const sorted = this.samples.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.floor(q * n))]!;
  }
}

/**
 * Rates of two running totals (records and bytes) over about the last 10 seconds, from samples
 * taken at most once a second by whoever updates the totals: no timer needed.
 */
export class RateWindow {
  private readonly samples: { at: number; a: number; b: number }[] = [];

  sample(a: number, b: number): void {
    const now = Date.now();
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && now - last.at < 1000) return;
    this.samples.push({ at: now, a, b });
    while (this.samples.length > 11) this.samples.shift();
  }

  /** Per second since the oldest sample kept; zeros before a second sample's worth of time. */
  rates(a: number, b: number): [number, number] {
    const first = this.samples[0];
    const seconds = first === undefined ? 0 : (Date.now() - first.at) / 1000;
    if (first === undefined || seconds <= 0) return [0, 0];
    return [(a - first.a) / seconds, (b - first.b) / seconds];
  }
}
