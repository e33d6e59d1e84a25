import { describe, expect, it } from 'vitest';
import { decodeLikeEngine } from '../../faults/decode-like-engine.js';
import { hostileCase, MUTATION_NAMES, seedFrames } from '../../faults/hostile-corpus.js';
import { memoryPeak, reportFigures, scaled, seeded } from '../../faults/results.js';

// Hostile broker, in-process: real captured responses and engine-shaped fetch answers, mutated
// (truncations, random bytes, 2 GiB lengths, negative counts, bad CRCs, backward offsets,
// decompression bombs, nested wrappers) and decoded the way the fetch engine decodes them.
// Every case must end in a result or a typed Kafka08Error: any other throw is a crash in the
// field, and a case that takes seconds is a hang.

const CASES = scaled(250_000, 2_000_000);
const SEED = 0xbad_b10c;

describe('hostile broker: mutated responses decoded like the engine', () => {
  it(`${CASES} seeded cases end in a result or a typed error, fast, within memory`, () => {
    const rng = seeded(SEED);
    const seeds = seedFrames(rng, true);
    const mem = memoryPeak(50);
    const byMutation = new Map<string, { cases: number; typed: number }>();
    let worstMs = 0;
    let worstCase = '';
    const started = Date.now();
    for (let i = 0; i < CASES; i++) {
      const c = hostileCase(rng, seeds);
      const t0 = performance.now();
      let outcome: ReturnType<typeof decodeLikeEngine>;
      try {
        outcome = decodeLikeEngine(c.seed.api, c.frame);
      } catch (err) {
        throw new Error(`case ${i} (${c.seed.name}, ${c.mutation}) threw an untyped error: ${String(err)}`, {
          cause: err,
        });
      }
      const ms = performance.now() - t0;
      if (ms > worstMs) {
        worstMs = ms;
        worstCase = `${c.seed.name} / ${c.mutation}`;
      }
      const row = byMutation.get(c.mutation) ?? { cases: 0, typed: 0 };
      row.cases++;
      if (!outcome.ok) row.typed++;
      byMutation.set(c.mutation, row);
    }
    const peak = mem.stop();
    reportFigures('hostile-decode', {
      fault: 'hostile broker: mutated responses (in-process decode)',
      count: CASES,
      records: CASES,
      lost: 0,
      duplicated: 0,
      worstRecoveryMs: Math.round(worstMs),
      peakMemoryBytes: peak,
      notes: `${Date.now() - started} ms in all; slowest case: ${worstCase}; typed errors by mutation: ${[
        ...byMutation,
      ]
        .map(([m, r]) => `${m} ${r.typed}/${r.cases}`)
        .join(', ')}`,
    });
    expect([...byMutation.keys()].sort()).toEqual([...MUTATION_NAMES].sort());
    // Bombs are refused at the 64 MiB budget, the slowest legitimate work here.
    expect(worstMs).toBeLessThan(5000);
    // Mutations must actually produce errors, or the run proves nothing.
    expect(byMutation.get('truncate')!.typed).toBeGreaterThan(byMutation.get('truncate')!.cases / 2);
    // The 64 MiB decompression budget plus the corpus: far below this, whatever the case.
    expect(peak).toBeLessThan(1024 * 1024 * 1024);
  }, 240_000);
});
