// Views and copies micro-benchmark (not a test): what handing a 100-byte value to a consumer
// costs. Views: Buffer#subarray against bufferView (the direct constructor). Copies that a
// caller may keep, both through the decoder's walk: one allocUnsafe + set per value (what
// RawBytesSchema did) against one copy per 16 KiB chunk of the set with views into the chunks
// (forEachCopiedMessage, what the consumers now do: one walk, offsets left as two words);
// walkOnly is the decoder's walk with no copy at all. The
// handed-out values are kept in an array for the batch, as a records array keeps them, so their
// garbage-collection cost is counted. Medians of interleaved rounds, ns per value. Run after
// `npm run build`: `node bench/codec/view.js`.
import { bufferView } from '../../dist/protocol/buffer-view.js';
import { forEachMessage } from '../../dist/protocol/message-set.js';
import { forEachCopiedMessage } from '../../dist/protocol/message-set-copy.js';
import { encodeMessageSet } from '../../dist/protocol/message-set-encode.js';
import { interleavedMedians } from './medians.js';

const N = 8700; // messages of a 1 MiB fetch
const SIZE = 100;
const set = encodeMessageSet(Array.from({ length: N }, (_, i) => ({ value: Buffer.alloc(SIZE, i & 0xff) })));
const STRIDE = set.length / N;
const VALUE_AT = STRIDE - SIZE; // offset, size, crc, magic, attributes, key length, value length

const variants = {
  subarray: (out) => {
    for (let i = 0; i < N; i++) out[i] = set.subarray(i * STRIDE + VALUE_AT, (i + 1) * STRIDE);
  },
  bufferView: (out) => {
    for (let i = 0; i < N; i++) out[i] = bufferView(set, i * STRIDE + VALUE_AT, (i + 1) * STRIDE);
  },
  copyEachValue: (out) => {
    let i = 0;
    forEachMessage(
      set,
      (_o, _k, v) => {
        const c = Buffer.allocUnsafe(v.length);
        c.set(v);
        out[i++] = c;
      },
      { verifyCrc: false },
    );
  },
  copyChunks: (out) => {
    let i = 0;
    forEachCopiedMessage(set, (_hi, _lo, _k, v) => {
      out[i++] = v;
    });
  },
  walkOnly: (out) => {
    let i = 0;
    forEachMessage(
      set,
      (_o, _k, v) => {
        out[i++] = v;
      },
      { verifyCrc: false },
    );
  },
};

function run(f) {
  const out = new Array(N);
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < 20; r++) f(out);
  return Number(process.hrtime.bigint() - t0) / (20 * N);
}
const out = interleavedMedians(variants, run, { rounds: Number(process.env.ROUNDS ?? 21) });
for (const [k, v] of Object.entries(out)) console.log(`  ${k.padEnd(14)} ${v} ns per ${SIZE}-byte value`);
console.log(JSON.stringify(out));
