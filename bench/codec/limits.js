// The machine's byte limits for the consumer benchmark's bytes-bound rows (not a test): how fast
// this machine copies memory (Buffer.copy of large blocks, the cost of every extra copy of a
// response) and how fast each CRC-32 routine we have hashes, in MB/s of input; then the verify
// pass and the visitor over a 2 MiB set of 10 KB messages (the `10KB` scenario's fetch) and the
// snappy decode of the `snappy` scenario's wrappers (200 x 100 B, xerial-framed), in MB/s of
// the bytes they cover. Interleaved rounds, medians. The last line is JSON. Run after
// `npm run build`: `node bench/codec/limits.js` (ROUNDS to change the effort).
import * as zlib from 'node:zlib';
import { snappyCompress, snappyDecompress } from '../../dist/protocol/compression/snappy.js';
import { crc32Js } from '../../dist/protocol/crc32.js';
import { encodeMessageSet, forEachMessage, verifyMessageSet } from '../../dist/protocol/index.js';
import { interleavedMedians, rate } from './medians.js';
import { text } from './text.js';

const ROUNDS = Number(process.env.ROUNDS ?? 11);

// memcpy: fresh destination memory is what a frame gets, reused memory is the best case.
const memcpy = {};
for (const size of [10 * 1024, 256 * 1024, 2 * 1024 * 1024, 32 * 1024 * 1024]) {
  const src = text(size, size);
  const dst = Buffer.allocUnsafeSlow(size);
  memcpy[`copy ${label(size)} into reused memory`] = () => rate(() => src.copy(dst), size);
}
{
  const size = 2 * 1024 * 1024;
  const src = text(size, 7);
  memcpy[`copy ${label(size)} into a new allocUnsafeSlow`] = () =>
    rate(() => src.copy(Buffer.allocUnsafeSlow(size)), size);
}

// CRC-32 over 10 KB (one 10 KB message's CRC span) and over 2 MiB.
const crc = {};
const frame = text(2 * 1024 * 1024 + 64, 3).subarray(37); // unaligned, as inside a frame
for (const span of [10 * 1024 + 14, 2 * 1024 * 1024]) {
  crc[`zlib.crc32, ${label(span)}`] = () => rate(() => zlib.crc32(frame.subarray(0, span)), span);
  crc[`JS slice-by-16, ${label(span)}`] = () => rate(() => crc32Js(frame, 0, span), span);
}

// The 10KB scenario's fetch: 2 MiB of 10 KB messages, the verify pass (structure and CRCs) and
// the visitor (views only) as the engine runs them.
const big = [];
for (let i = 0; i < 200; i++) big.push({ key: null, value: text(10 * 1024, i + 1) });
const set10k = encodeMessageSet(big, { baseOffset: 0n });
const passes = {};
let seen = 0;
const visit = () => {
  seen++;
};
passes['verifyMessageSet, 10 KB messages'] = () =>
  rate(() => verifyMessageSet(set10k, { fetchOffset: 0n }).count, set10k.length);
passes['forEachMessage (no CRC), 10 KB messages'] = () =>
  rate(() => forEachMessage(set10k, visit, { fetchOffset: 0n, verifyCrc: false }).validBytes, set10k.length);

// The snappy scenario's wrapper, in MB/s of decompressed output.
const msgs = [];
for (let i = 0; i < 200; i++) {
  const v = text(100, 0x9e3779b1 ^ i);
  v.write(`${i}:`, 0, 'latin1');
  msgs.push({ key: null, value: v });
}
const inner = encodeMessageSet(msgs, { baseOffset: 0n });
const framed = snappyCompress(inner);
if (!snappyDecompress(framed, 1 << 26).equals(inner)) throw new Error('snappy round trip failed');
const snappy = {
  'snappyDecompress, 200 x 100 B wrapper (output)': () =>
    rate(() => snappyDecompress(framed, 1 << 26).length, inner.length),
};

function label(n) {
  return n >= 1 << 20 ? `${n / (1 << 20)} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} B`;
}

const all = { ...memcpy, ...crc, ...passes, ...snappy };
const out = interleavedMedians(all, (f) => f(), { rounds: ROUNDS, warmups: 2 });
console.log(`node ${process.version}, ${ROUNDS} interleaved rounds, medians in MB/s (10^6 bytes/s):`);
for (const [k, v] of Object.entries(out))
  console.log(`  ${k.padEnd(48)} ${String(Math.round(v)).padStart(7)}`);
if (seen === 0) throw new Error('visitor never ran');
console.log(JSON.stringify(out));
