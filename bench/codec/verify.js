// verifyMessageSet micro-benchmark (not a test): the verify-only pass a consumer runs when it hands
// a fetched set out, on ~1 MiB of 100-byte messages (null keys, as bench/codec/run.js builds them),
// with the wasm walk (one call per copied window) and with the plain JS scan it replaces (the
// walk switched off), interleaved rounds, medians in ns per message. Also a 1 KiB-value set
// (entries above the native-CRC threshold go through the JS scan either way) and window sizes.
// Run after `npm run build`: `node bench/codec/verify.js` (ROUNDS, ROUND_MS to change the effort).
import { encodeMessageSet, verifyMessageSet } from '../../dist/protocol/index.js';
import { configureWasmVerify, wasmVerifyAvailable } from '../../dist/protocol/wasm-verify.js';

const ROUNDS = Number(process.env.ROUNDS ?? 11);
const ROUND_MS = Number(process.env.ROUND_MS ?? 300);
const SET_BYTES = 1024 * 1024;

function buildSet(valueBytes) {
  const count = Math.floor(SET_BYTES / (26 + valueBytes));
  const messages = [];
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(valueBytes);
    for (let j = 0; j < valueBytes; j++) value[j] = (i * 7 + j * 13) & 0xff;
    messages.push({ key: null, value });
  }
  // Inside a larger buffer at an odd offset, as a set sits inside a fetch response frame.
  const set = encodeMessageSet(messages, { baseOffset: 1_000_000n });
  const frame = Buffer.alloc(set.length + 64);
  set.copy(frame, 37);
  return { set: frame.subarray(37, 37 + set.length), count };
}

if (!wasmVerifyAvailable()) throw new Error('WebAssembly unavailable: nothing to compare');

const WINDOWS = [64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];
const cases = [];
for (const valueBytes of [100, 1000]) {
  const { set, count } = buildSet(valueBytes);
  const expected = verifyMessageSet(set, { fetchOffset: 1_000_000n });
  if (expected.count !== count || expected.partialTail) throw new Error('set does not verify');
  const variants = [['js scan (walk off)', { enabled: false }]];
  if (valueBytes === 100) {
    for (const w of WINDOWS)
      variants.push([`wasm walk, ${w >> 10} KiB window`, { enabled: true, windowBytes: w }]);
  } else {
    variants.push(['wasm walk (large entries to JS)', { enabled: true }]);
    variants.push(['wasm walk (large entries in wasm)', { enabled: true, maxSize: 1 << 30 }]);
  }
  for (const [label, config] of variants) {
    configureWasmVerify({ enabled: true, windowBytes: 1024 * 1024, maxSize: 387, ...config });
    const r = verifyMessageSet(set, { fetchOffset: 1_000_000n });
    if (
      JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) !==
      JSON.stringify(expected, (_k, v) => (typeof v === 'bigint' ? String(v) : v))
    )
      throw new Error(`${label} disagrees with the JS scan`);
    cases.push({ name: `${valueBytes}-byte values: ${label}`, valueBytes, config, set, count, ns: [] });
  }
}
const DEFAULTS = { enabled: true, windowBytes: 1024 * 1024, maxSize: 387 };

function timed(c, ms) {
  configureWasmVerify({ ...DEFAULTS, ...c.config });
  const options = { fetchOffset: 1_000_000n };
  let iterations = 0;
  const t0 = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  let sink = 0;
  while (elapsed < limit) {
    sink += verifyMessageSet(c.set, options).count;
    iterations++;
    elapsed = process.hrtime.bigint() - t0;
  }
  if (sink !== iterations * c.count) throw new Error('count changed');
  return Number(elapsed) / (iterations * c.count);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

for (let w = 0; w < 3; w++) for (const c of cases) timed(c, 100);
for (let r = 0; r < ROUNDS; r++) for (const c of cases) c.ns.push(timed(c, ROUND_MS));

console.log(
  `verifyMessageSet over ~1 MiB sets, node ${process.version}, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms, medians:`,
);
const out = {};
for (const c of cases) {
  const ns = median(c.ns);
  out[c.name] = Number(ns.toFixed(1));
  console.log(
    `  ${c.name.padEnd(48)} ${ns.toFixed(1).padStart(7)} ns/msg  (${c.count} msgs, min ${Math.min(...c.ns).toFixed(1)}, max ${Math.max(...c.ns).toFixed(1)})`,
  );
}
console.log(JSON.stringify(out));
