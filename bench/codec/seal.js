// Sealing micro-benchmark (not a test): the producer writes every entry's CRC when a batch is
// read (sealMessageSet). Compares the wasm walk (one call per copied window) with the JS loop
// calling the windowed wasm CRC per entry (the walk switched off), on a batch of 1,750 entries
// of 100-byte values, what one of our requests carries. Medians of interleaved rounds, ns per
// entry. Run after `npm run build`: `node bench/codec/seal.js`.
import { encodeMessageSet, sealMessageSet } from '../../dist/protocol/message-set-encode.js';
import { configureWasmVerify } from '../../dist/protocol/wasm-verify.js';
import { interleavedMedians } from './medians.js';

const N = 1750;
const reference = Buffer.from(
  encodeMessageSet(Array.from({ length: N }, (_, i) => ({ key: null, value: Buffer.alloc(100, i & 0xff) }))),
);
const set = Buffer.from(reference);

const variants = {
  wasmWalk: () => configureWasmVerify({ enabled: true }),
  jsLoop: () => configureWasmVerify({ enabled: false }),
};
for (const [name, use] of Object.entries(variants)) {
  use();
  set.fill(0, 12, 16);
  sealMessageSet(set, 0, set.length);
  if (!set.equals(reference)) throw new Error(`${name} disagrees`);
}

function run(use) {
  use();
  const reps = 200;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) sealMessageSet(set, 0, set.length);
  return Number(process.hrtime.bigint() - t0) / (reps * N);
}
const out = interleavedMedians(variants, run, { rounds: Number(process.env.ROUNDS ?? 21) });
configureWasmVerify({ enabled: true });
for (const [k, v] of Object.entries(out)) console.log(`  ${k.padEnd(10)} ${v} ns per entry`);
console.log(JSON.stringify(out));
