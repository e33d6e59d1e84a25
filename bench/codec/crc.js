// CRC-32 micro-benchmark (not a test): 114-byte ranges (a 100-byte message's CRC span) at a
// 126-byte stride through a 1 MiB buffer, as the message-set scan sees them. Compares the JS
// slice-by-16 loop, the windowed wasm loop (copy into wasm memory included) and zlib.crc32 on a
// view. Medians of interleaved rounds, in ns per range. Run after `npm run build`:
// `node bench/codec/crc.js`.
import * as zlib from 'node:zlib';
import { clearCrcWindow, crc32InWindow, crc32Js } from '../../dist/protocol/crc32.js';
import { interleavedMedians } from './medians.js';

const SPAN = 114;
const STRIDE = 126;
const big = Buffer.alloc((1 << 20) + 64);
for (let i = 0; i < big.length; i++) big[i] = (i * 131 + 7) & 0xff;
const data = big.subarray(37); // not word-aligned, as inside a response frame
const n = Math.floor((data.length - STRIDE) / STRIDE);

const variants = {
  js: (b, s, e) => crc32Js(b, s, e),
  wasmWindow: (b, s, e) => crc32InWindow(b, s, e),
  zlibView: (b, s, e) => zlib.crc32(b.subarray(s, e)) >>> 0,
};
for (const [name, f] of Object.entries(variants)) {
  clearCrcWindow();
  for (let j = 0; j < 100; j++) {
    const s = j * STRIDE + 16;
    if (f(data, s, s + SPAN) !== crc32Js(data, s, s + SPAN)) throw new Error(`${name} disagrees`);
  }
}

function run(f) {
  clearCrcWindow();
  let x = 0;
  const t0 = process.hrtime.bigint();
  for (let j = 0; j < n; j++) {
    const s = j * STRIDE + 16;
    x ^= f(data, s, s + SPAN);
  }
  if (x === 0.5) throw new Error('unreachable');
  return Number(process.hrtime.bigint() - t0) / n;
}
const out = interleavedMedians(variants, run, { rounds: Number(process.env.ROUNDS ?? 21) });
for (const [k, v] of Object.entries(out)) console.log(`  ${k.padEnd(12)} ${v} ns per ${SPAN}-byte range`);
console.log(JSON.stringify(out));
