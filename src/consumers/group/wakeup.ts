/** Wakes every waiter at the next `notify()`; a waiter that stops waiting cancels (nothing leaks). */
export class Wakeup {
  private readonly waiters = new Set<() => void>();

  wait(): { promise: Promise<void>; cancel: () => void } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.waiters.add(resolve);
    return { promise, cancel: () => this.waiters.delete(resolve) };
  }

  notify(): void {
    const all = [...this.waiters];
    this.waiters.clear();
    for (const r of all) r();
  }
}
