// Snappy decompression micro-benchmark (not a test): snappyjs.uncompress (what snappy.ts used
// before, per raw block plus a Buffer.concat of a frame's chunks) against our decoder (frames
// in wasm, snappy-wasm.ts) and our JS decoder alone (snappy-block.ts, wasm switched off), on
//   (a) the consumer benchmark's wrapper: 200 x 100-byte values over a 16-letter alphabet as a
//       Kafka message set, xerial-framed as snappyCompress (and the broker) writes it;
//   (b) 1 MiB of the same kind of text, xerial-framed (32 KiB chunks);
//   (c) 1 MiB of highly repetitive data (short runs and a repeated phrase), xerial-framed.
// Both sides must produce identical bytes before timing. Rounds are interleaved; prints medians
// in MB/s of decompressed output. The last line is JSON. Run after `npm run build`:
// `node bench/codec/snappy.js`.
import * as snappyjs from 'snappyjs';
import { snappyCompress, snappyDecompress } from '../../dist/protocol/compression/snappy.js';
import { configureSnappyWasm } from '../../dist/protocol/compression/snappy-wasm.js';
import { encodeMessageSet } from '../../dist/protocol/index.js';
import { median, rate } from './medians.js';
import { text } from './text.js';

const ROUNDS = Number(process.env.ROUNDS ?? 11);
const ROUND_MS = Number(process.env.ROUND_MS ?? 300);

function kafkaWrapper() {
  const msgs = [];
  for (let i = 0; i < 200; i++) {
    const v = text(100, 0x9e3779b1 ^ i);
    v.write(`${i}:`, 0, 'latin1');
    msgs.push({ key: null, value: v });
  }
  return encodeMessageSet(msgs, { baseOffset: 0n });
}

function repetitive(size) {
  const out = Buffer.allocUnsafe(size);
  const phrase = Buffer.from('the quick brown fox jumps over the lazy dog; ');
  let p = 0;
  for (let i = 0; p < size; i++) {
    if (i % 3 === 0) {
      const n = Math.min(size - p, 200 + (i % 7) * 50);
      out.fill(i & 0xff, p, p + n);
      p += n;
    } else {
      p += phrase.copy(out, p, 0, Math.min(phrase.length, size - p));
    }
  }
  return out;
}

const XERIAL_HEADER = 16;
/** The previous snappy.ts decode path: snappyjs per block, then one concat. */
function snappyjsFramed(src, maxBytes) {
  const chunks = [];
  let total = 0;
  for (let pos = XERIAL_HEADER; pos < src.length; ) {
    const size = src.readUInt32BE(pos);
    pos += 4;
    const out = snappyjs.uncompress(src.subarray(pos, pos + size), maxBytes - total);
    chunks.push(Buffer.from(out.buffer, out.byteOffset, out.length));
    total += out.length;
    pos += size;
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

const payloads = {
  kafka200x100: kafkaWrapper(),
  text1MiB: text(1 << 20, 12345),
  repetitive1MiB: repetitive(1 << 20),
};
const variants = {
  snappyjs: (src) => snappyjsFramed(src, 64 << 20),
  ours: (src) => snappyDecompress(src, 64 << 20),
  oursJs: (src) => {
    configureSnappyWasm({ enabled: false });
    try {
      return snappyDecompress(src, 64 << 20);
    } finally {
      configureSnappyWasm({ enabled: true });
    }
  },
};

const cases = Object.entries(payloads).map(([name, plain]) => {
  const framed = snappyCompress(plain);
  for (const [v, f] of Object.entries(variants)) {
    if (!f(framed).equals(plain)) throw new Error(`${v} decodes ${name} wrongly`);
  }
  return { name, plain, framed };
});

function run(f, src, outBytes) {
  return rate(() => f(src)[7], outBytes, ROUND_MS);
}

const results = {};
for (const c of cases) {
  const per = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const f of Object.values(variants)) run(f, c.framed, c.plain.length); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, f] of Object.entries(variants)) per[k].push(run(f, c.framed, c.plain.length));
  }
  const row = Object.fromEntries(Object.entries(per).map(([k, v]) => [k, Math.round(median(v))]));
  results[c.name] = { ...row, ratio: Number((row.ours / row.snappyjs).toFixed(2)) };
  const what = `${c.plain.length} -> ${c.framed.length} B`;
  console.log(
    `  ${c.name.padEnd(15)} (${what.padEnd(20)}) snappyjs ${String(row.snappyjs).padStart(5)} MB/s   ours ${String(row.ours).padStart(5)} MB/s (JS alone ${String(row.oursJs).padStart(5)})   x${results[c.name].ratio}`,
  );
}
console.log(JSON.stringify(results));
