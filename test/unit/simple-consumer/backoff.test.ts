import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../src/simple-consumer/backoff.js';

/** A random source returning the given values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('Backoff', () => {
  it('without jitter doubles from the base up to the cap', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 'none' });
    expect(Array.from({ length: 6 }, () => b.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.attempts).toBe(6);
  });

  it('with full jitter scales the exponential ceiling by the random draw', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 'full', random: sequence(0.5, 0.25, 1, 0) });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([50, 50, 400, 0]);
  });

  it('with decorrelated jitter stays within [base, 3 x previous] and the cap', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 'decorrelated', random: sequence(1) });
    // Always the top of the range: 300, 900, then capped.
    expect([b.next(), b.next(), b.next()]).toEqual([300, 900, 1000]);
    const low = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 'decorrelated', random: sequence(0) });
    expect([low.next(), low.next()]).toEqual([100, 100]);
  });

  it('with real randomness never leaves [0, max]', () => {
    for (const jitter of ['full', 'decorrelated'] as const) {
      const b = new Backoff({ baseMs: 10, maxMs: 500, jitter });
      for (let i = 0; i < 200; i++) {
        const d = b.next();
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(500);
      }
    }
  });

  it('starts over after reset', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 10_000, jitter: 'none' });
    b.next();
    b.next();
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(100);
  });

  it('survives many failures without overflowing', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 5000, jitter: 'none' });
    for (let i = 0; i < 2000; i++) b.next();
    expect(b.next()).toBe(5000);
  });

  it('rejects a cap below the base', () => {
    expect(() => new Backoff({ baseMs: 100, maxMs: 10 })).toThrow(RangeError);
  });
});
