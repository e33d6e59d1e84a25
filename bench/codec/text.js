// Values like the consumer benchmark's (bench/lib/produce.js): xorshift letters over a 16-letter
// alphabet, which the codecs compress as they compress real text.
const ALPHABET = Buffer.from('etaoinshrdlucmfw');

export function text(size, seed) {
  let x = seed >>> 0 || 1;
  const v = Buffer.allocUnsafe(size);
  for (let j = 0; j < size; j++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    v[j] = ALPHABET[x & 15];
  }
  return v;
}
