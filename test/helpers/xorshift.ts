/** Deterministic pseudo-random numbers (xorshift32) for tests; `seed` 0 counts as 1. */
export function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** `n` bytes of text over a 16-letter alphabet ('a'..'p'): compressible the way real text is. */
export function letterText(n: number, seed: number): Buffer {
  const next = xorshift(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 97 + (next() & 15);
  return b;
}

/** `n` pseudo-random bytes: incompressible. */
export function randomBytes(n: number, seed: number): Buffer {
  const next = xorshift(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}
