/** Wakes whoever waits for "something changed" (a partition became fetchable, bytes freed...). */
export class Notifier {
  private readonly waiters = new Set<() => void>();

  /** Resolves at the next notify(), or at once when `signal` has fired. Never rejects. */
  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  notify(): void {
    for (const w of [...this.waiters]) w();
  }
}
