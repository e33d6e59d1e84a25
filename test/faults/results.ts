/**
 * Figures of the fault-injection tests. Each fault writes its own JSON file (tests run in
 * separate workers, so one shared file would race) under test/faults/results/<scale>/;
 * scripts/faults-table.mjs turns the full run's files into the README's "Fault tolerance" table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `KAFKA08_FAULTS=full` (npm run test:faults) runs the long versions; the suite runs the short ones. */
export const FULL = process.env.KAFKA08_FAULTS === 'full';
export const SCALE: 'full' | 'ci' = FULL ? 'full' : 'ci';

/** Picks the CI or the full-run figure. */
export function scaled<T>(ci: T, full: T): T {
  return FULL ? full : ci;
}

export interface FaultFigures {
  /** What was broken, as the README table names it. */
  fault: string;
  /** How many times it was broken (kills, cut connections, mutated responses...). */
  count: number;
  /** Records (or decode cases) that had to come through. */
  records: number;
  lost: number;
  duplicated: number;
  /** Longest time from a fault to the first record (or typed error) after it, in ms. */
  worstRecoveryMs: number;
  /** Highest RSS (or heap, where said) seen while it ran, in bytes. */
  peakMemoryBytes: number;
  /** Anything else worth printing. */
  notes?: string;
}

const DIR = join(import.meta.dirname, 'results');

/** Writes the figures of one fault and prints them, so a CI log shows them too. */
export function reportFigures(id: string, figures: FaultFigures): void {
  const dir = join(DIR, SCALE);
  mkdirSync(dir, { recursive: true });
  const body = { ...figures, scale: SCALE, at: new Date().toISOString() };
  writeFileSync(join(dir, `${id}.json`), `${JSON.stringify(body, null, 2)}\n`);
  console.log(`[faults] ${id}: ${JSON.stringify(body)}`);
}

/** Samples this process's RSS every `everyMs` and keeps the peak. */
export function memoryPeak(everyMs = 100): { readonly peak: number; stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  timer.unref();
  return {
    get peak() {
      return peak;
    },
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak;
    },
  };
}

/** A small seeded generator (mulberry32): the same seed gives the same faults. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
