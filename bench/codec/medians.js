// The timing loop the codec micro-benchmarks share: warm-up passes over every variant, then
// interleaved rounds (so a slow spell of the machine hits every variant alike), medians per
// variant rounded to 0.1.
export const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** `run(f)` times one variant once and returns its figure; returns `{ name: median }`. */
export function interleavedMedians(variants, run, { rounds, warmups = 5 } = {}) {
  const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let w = 0; w < warmups; w++) for (const f of Object.values(variants)) run(f);
  for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(variants)) results[k].push(run(f));
  return Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Number(median(v).toFixed(1))]));
}
