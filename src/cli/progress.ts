/**
 * A one-line status on stderr, redrawn at most once a second, only when stderr is a terminal
 * (so pipes and CI logs never get carriage-return noise) and not --quiet.
 */
export class Progress {
  private readonly enabled: boolean;
  private readonly quiet: boolean;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private lastCount = 0;
  private lastAt = Date.now();
  private drawn = false;

  constructor(
    quiet: boolean,
    private readonly render: (ratePerSec: number) => string,
    private readonly count: () => number,
  ) {
    this.quiet = quiet;
    this.enabled = !quiet && process.stderr.isTTY === true;
    if (this.enabled) {
      this.timer = setInterval(() => this.draw(), 1000);
      this.timer.unref();
    }
  }

  private draw(): void {
    const now = Date.now();
    const n = this.count();
    const rate = now > this.lastAt ? ((n - this.lastCount) * 1000) / (now - this.lastAt) : 0;
    this.lastCount = n;
    this.lastAt = now;
    process.stderr.write(`\r\x1b[K${this.render(rate)}`);
    this.drawn = true;
  }

  /** A warning line on stderr, over the status line if one is drawn (redrawn a second later); none when quiet. */
  warn(line: string): void {
    if (this.quiet) return;
    process.stderr.write(`${this.drawn ? '\r\x1b[K' : ''}${line}\n`);
    this.drawn = false;
  }

  /** Stops redrawing and leaves the cursor on a fresh line. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) process.stderr.write('\r\x1b[K');
  }

  get elapsedMs(): number {
    return Date.now() - this.started;
  }
}
