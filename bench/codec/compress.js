// Snappy and LZ4 compression micro-benchmark (not a test): the wasm compressors
// (compress-wasm.ts) against the JS ones they fall back to (snappyjs for snappy, compressLz4Block
// for LZ4; wasm switched off), each writing the framing the producer sends (xerial snappy, Kafka's
// LZ4 frame), on
//   (a) a producer batch: a 16 KiB message set of 100-byte values of the producer benchmark's
//       payload (pseudo-random text over a 16-letter alphabet, bench/producer/payload.js);
//   (b) 1 MiB of the same text;
//   (c) 1 MiB of JSON lines, which compress about 4x (the text only by a few percent).
// Every output must decode to its input before timing. Interleaved rounds, medians in MB/s of
// input; the compressed size over the input size for each. The last line is JSON. Run after
// `npm run build`: `node bench/codec/compress.js` (ROUNDS, ROUND_MS to change the effort).
import { configureCompressWasm } from '../../dist/protocol/compression/compress-wasm.js';
import { lz4FrameCompress, lz4FrameDecompress } from '../../dist/protocol/compression/lz4-frame.js';
import { snappyCompress, snappyDecompress } from '../../dist/protocol/compression/snappy.js';
import { encodeMessageSet } from '../../dist/protocol/index.js';
import { payloadBlock } from '../producer/payload.js';
import { interleavedMedians, rate } from './medians.js';

const ROUNDS = Number(process.env.ROUNDS ?? 11);
const ROUND_MS = Number(process.env.ROUND_MS ?? 300);

function producerBatch(bytes) {
  const block = payloadBlock(100);
  const count = Math.floor(bytes / 126); // 26 bytes of entry header per 100-byte value
  const messages = Array.from({ length: count }, (_, i) => ({
    key: null,
    value: block.subarray(i * 100, (i + 1) * 100),
  }));
  return encodeMessageSet(messages, { baseOffset: 0n });
}

function jsonLines(bytes) {
  const lines = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = JSON.stringify({
      id: i,
      user: `user-${(i * 7919) % 1000}`,
      ts: 1_764_800_000_000 + i * 17,
      ok: i % 3 === 0,
    });
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(lines.join('\n')).subarray(0, bytes);
}

const payloads = {
  batch16KiB: producerBatch(16 * 1024),
  text1MiB: payloadBlock(256), // 4096 values of 256 bytes: 1 MiB
  json1MiB: jsonLines(1 << 20),
};
const codecs = {
  snappy: { compress: snappyCompress, decompress: snappyDecompress },
  lz4: { compress: lz4FrameCompress, decompress: lz4FrameDecompress },
};

/** The codec's compressor with wasm on or off; the switch is part of each timed call's setup. */
function variant(codec, wasm) {
  return (data) => {
    configureCompressWasm({ enabled: wasm });
    return codecs[codec].compress(data);
  };
}

function run(f, data) {
  return rate(() => f(data)[9], data.length, ROUND_MS);
}

const results = {};
console.log(
  `node ${process.version}, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms, medians (MB/s of input):`,
);
for (const [name, data] of Object.entries(payloads)) {
  const variants = {};
  const ratio = {};
  for (const codec of Object.keys(codecs)) {
    for (const wasm of [false, true]) {
      const key = `${codec}-${wasm ? 'wasm' : 'js'}`;
      const f = variant(codec, wasm);
      const out = f(data);
      if (!codecs[codec].decompress(out, 64 << 20).equals(data)) throw new Error(`${key} garbles ${name}`);
      ratio[key] = Number((out.length / data.length).toFixed(3));
      variants[key] = f;
    }
  }
  const mbps = interleavedMedians(variants, (f) => run(f, data), { rounds: ROUNDS, warmups: 3 });
  results[name] = {};
  for (const codec of Object.keys(codecs)) {
    const js = mbps[`${codec}-js`];
    const wasm = mbps[`${codec}-wasm`];
    const speedup = Number((wasm / js).toFixed(2));
    results[name][codec] = {
      jsMBps: js,
      wasmMBps: wasm,
      speedup,
      jsRatio: ratio[`${codec}-js`],
      wasmRatio: ratio[`${codec}-wasm`],
    };
    console.log(
      `  ${name.padEnd(11)} ${codec.padEnd(6)} (${String(data.length).padStart(7)} B)  JS ${String(js).padStart(6)}   wasm ${String(wasm).padStart(6)}   x${speedup}   size/input JS ${ratio[`${codec}-js`]}, wasm ${ratio[`${codec}-wasm`]}`,
    );
  }
}
configureCompressWasm({ enabled: true });
console.log(JSON.stringify(results));
