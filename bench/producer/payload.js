// The payload every producer benchmark client sends: 100-byte values of pseudo-random text over a
// 16-letter alphabet (about 4 bits of entropy per byte, as in the consumer benchmark), so the
// codecs compress them the way they compress real payloads. Values are cut from one block; no
// client pays for generating them while it is timed.
const ALPHABET = Buffer.from('etaoinshrdlucmfw');
export const BLOCK_VALUES = 4096;

// `ones`: every byte 1, what Kafka's ProducerPerformance sends (it takes no payload), so that
// every client can be measured on the tool's own terms too (`--payload ones`).
export function payloadBlock(size, seed = 1, kind = 'text') {
  if (kind === 'ones') return Buffer.alloc(size * BLOCK_VALUES, 1);
  if (kind !== 'text') throw new Error(`unknown payload ${kind} (text or ones)`);
  const block = Buffer.allocUnsafe(size * BLOCK_VALUES);
  let x = seed >>> 0 || 1;
  for (let j = 0; j < block.length; j++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block[j] = ALPHABET[x & 15];
  }
  return block;
}
