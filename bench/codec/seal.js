// Sealing micro-benchmark (not a test): the producer writes every entry's CRC when a batch is
// read (sealMessageSet). Compares the wasm walk (one call per run of small entries) with the JS
// loop calling the windowed wasm CRC per entry (the walk switched off), on batches of about
// 256 KiB: 100-byte values (which wasm hashes) and 400-byte ones (over its size limit, hashed by
// zlib.crc32 either way). Medians of interleaved rounds, ns per entry. Run after `npm run
// build`: `node bench/codec/seal.js`.
import { encodeMessageSet, sealMessageSet } from '../../dist/protocol/message-set-encode.js';
import { configureWasmVerify } from '../../dist/protocol/wasm-verify.js';
import { interleavedMedians } from './medians.js';

const sets = [100, 400].map((size) => {
  const n = Math.floor((256 * 1024) / (size + 26));
  const reference = Buffer.from(
    encodeMessageSet(
      Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.alloc(size, i & 0xff) })),
    ),
  );
  return { size, n, reference, set: Buffer.from(reference) };
});

const variants = {};
for (const s of sets) {
  variants[`wasmWalk${s.size}`] = { s, wasm: true };
  variants[`jsLoop${s.size}`] = { s, wasm: false };
}
for (const [name, { s, wasm }] of Object.entries(variants)) {
  configureWasmVerify({ enabled: wasm });
  s.set.fill(0, 12, 16);
  sealMessageSet(s.set, 0, s.set.length);
  if (!s.set.equals(s.reference)) throw new Error(`${name} disagrees`);
}

function run({ s, wasm }) {
  configureWasmVerify({ enabled: wasm });
  const reps = 20;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) sealMessageSet(s.set, 0, s.set.length);
  return Number(process.hrtime.bigint() - t0) / (reps * s.n);
}
const out = interleavedMedians(variants, run, { rounds: Number(process.env.ROUNDS ?? 21) });
configureWasmVerify({ enabled: true });
for (const [k, v] of Object.entries(out)) console.log(`  ${k.padEnd(12)} ${v} ns per entry`);
console.log(JSON.stringify(out));
