// FetchCrcWalker micro-benchmark (not a test): a 2 MiB Fetch response (one partition) fed to the
// walker in 64 KiB pieces, as the socket's reads would, then the hand-out verify of its set with
// the walker's claims and without them. 10 KB messages (the walker checks them) and 100 B ones
// (it stops at the first entry: the wasm walk at hand-out takes them). Medians of ROUNDS.
// Run after `npm run build`: `node bench/codec/crc-walker.js`.

import { FetchCrcWalker } from '../../dist/protocol/fetch-crc-walker.js';
import {
  decodeFetchResponseBody,
  encodeFetchResponseBody,
  encodeMessageSet,
  Reader,
  verifyMessageSet,
} from '../../dist/protocol/index.js';
import { Writer } from '../../dist/protocol/writer.js';

const ROUNDS = Number(process.env.ROUNDS ?? 61);
const FRAME_BYTES = 2 * 1024 * 1024;
const READ_BYTES = 64 * 1024;

function frame(valueBytes) {
  const value = Buffer.alloc(valueBytes);
  for (let i = 0; i < valueBytes; i++) value[i] = (i * 7) & 0xff;
  const count = Math.floor(FRAME_BYTES / (26 + valueBytes));
  const messageSet = encodeMessageSet(Array.from({ length: count }, () => ({ key: null, value })));
  const w = new Writer();
  w.int32(1);
  encodeFetchResponseBody(w, {
    topics: [{ topic: 'bench', partitions: [{ partition: 0, errorCode: 0, highWatermark: 1n, messageSet }] }],
  });
  return { bytes: w.toBuffer(), count };
}

const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

for (const valueBytes of [10_240, 100]) {
  const { bytes, count } = frame(valueBytes);
  const walk = [];
  const withClaims = [];
  const without = [];
  for (let r = 0; r < ROUNDS; r++) {
    const walker = new FetchCrcWalker();
    let t0 = process.hrtime.bigint();
    for (let filled = READ_BYTES; filled < bytes.length + READ_BYTES; filled += READ_BYTES) {
      walker.advance(bytes, Math.min(filled, bytes.length));
    }
    walk.push(ms(t0));
    const p = decodeFetchResponseBody(new Reader(bytes, 4, bytes.length), walker).topics[0].partitions[0];
    t0 = process.hrtime.bigint();
    verifyMessageSet(p.messageSet, { fetchOffset: 0n, crcCheckedBytes: p.crcCheckedBytes ?? 0 });
    withClaims.push(ms(t0));
    t0 = process.hrtime.bigint();
    verifyMessageSet(p.messageSet, { fetchOffset: 0n });
    without.push(ms(t0));
  }
  const w = median(walk);
  console.log(
    `${count} x ${valueBytes} B in ${(bytes.length / 1e6).toFixed(2)} MB: walker ${w.toFixed(3)} ms ` +
      `(${(bytes.length / 1e3 / w).toFixed(0)} MB/s); hand-out verify with its claims ` +
      `${median(withClaims).toFixed(3)} ms, without ${median(without).toFixed(3)} ms`,
  );
}
