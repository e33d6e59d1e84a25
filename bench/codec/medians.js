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

/**
 * Calls `f` (which returns a number, kept so the work cannot be optimized away) until about `ms`
 * have passed; MB/s (10^6 bytes/s) of `bytes` per call.
 */
export function rate(f, bytes, ms = 150) {
  let n = 0;
  let sink = 0;
  const t0 = process.hrtime.bigint();
  const limit = t0 + BigInt(ms * 1e6);
  let now = t0;
  do {
    for (let i = 0; i < 4; i++) sink ^= f();
    n += 4;
    now = process.hrtime.bigint();
  } while (now < limit);
  if (sink === 0.5) throw new Error('unreachable');
  return (n * bytes) / (Number(now - t0) / 1e3);
}
