// Codec benchmark (not a test): decodes the MessageSet of a Fetch v0 response holding ~1 MiB of
// 100-byte messages, CRC checking ON, with kafka08 and with kafkajs 2.2.4's v0 message-set decoder,
// on the same bytes, interleaved over several rounds; prints medians. The last line is JSON.
//
// Run with `npm run bench:codec` (builds dist/, installs bench/peers if needed).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const peers = join(here, '..', 'peers');
if (!existsSync(join(peers, 'node_modules', 'kafkajs', 'package.json'))) {
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: peers, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('installing bench/peers (kafkajs) failed; run `npm run bench:setup`');
}

const {
  decodeMessageSet,
  forEachMessage,
  verifyMessageSet,
  encodeMessageSet,
  encodeFetchResponseBody,
  decodeFetchResponseBody,
  Reader,
  Writer,
} = await import('../../dist/protocol/index.js');
const requirePeer = createRequire(join(peers, 'package.json'));
const kafkajsMessageSetDecoder = requirePeer('kafkajs/src/protocol/messageSet/decoder.js');
const KafkajsDecoder = requirePeer('kafkajs/src/protocol/decoder.js');

const VALUE_BYTES = 100;
const SET_BYTES = 1024 * 1024;
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const ROUND_MS = Number(process.env.ROUND_MS ?? 400);

// --- Build the Fetch v0 response: one topic, one partition, a full set of valid messages. ---
const entryBytes = 12 + 4 + 1 + 1 + 4 + 4 + VALUE_BYTES;
const count = Math.floor(SET_BYTES / entryBytes);
const messages = [];
for (let i = 0; i < count; i++) {
  const value = Buffer.alloc(VALUE_BYTES);
  for (let j = 0; j < VALUE_BYTES; j++) value[j] = (i * 7 + j * 13) & 0xff;
  messages.push({ key: null, value });
}
const set = encodeMessageSet(messages, { baseOffset: 1_000_000n });
const w = new Writer(set.length + 256);
encodeFetchResponseBody(w, {
  topics: [
    {
      topic: 'bench',
      partitions: [
        { partition: 0, errorCode: 0, highWatermark: 1_000_000n + BigInt(count), messageSet: set },
      ],
    },
  ],
});
const response = w.toBuffer();
// Both decoders read the MessageSet in place inside the response frame.
const messageSet = decodeFetchResponseBody(new Reader(response)).topics[0].partitions[0].messageSet;
const setStart = messageSet.byteOffset - response.byteOffset;

const ours = () => decodeMessageSet(messageSet, { topic: 'bench', partition: 0 }).messages.length;
let visited = 0;
const visit = () => {
  visited++;
};
const oursVisitor = () => {
  visited = 0;
  forEachMessage(messageSet, visit);
  return visited;
};
// The verify-only pass a consumer runs when it hands a set out (structure + CRCs, no views).
const oursVerify = () => verifyMessageSet(messageSet, { topic: 'bench', partition: 0 }).count;
const kafkajs = async () => {
  const d = new KafkajsDecoder(response);
  d.offset = setStart;
  return (await kafkajsMessageSetDecoder(d, messageSet.length)).length;
};

// Same result from both before timing anything.
const check = decodeMessageSet(messageSet);
const kjs = await (async () => {
  const d = new KafkajsDecoder(response);
  d.offset = setStart;
  return kafkajsMessageSetDecoder(d, messageSet.length);
})();
if (check.messages.length !== count || kjs.length !== count || check.partialTail)
  throw new Error('decoders disagree on the set');
if (String(check.messages[count - 1].offset) !== kjs[count - 1].offset) throw new Error('offsets disagree');
if (!check.messages[5].value.equals(kjs[5].value)) throw new Error('values disagree');

async function timed(fn, ms) {
  let n = 0;
  let iterations = 0;
  const t0 = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    const r = fn();
    n += typeof r === 'number' ? r : await r;
    iterations++;
    elapsed = process.hrtime.bigint() - t0;
  }
  const s = Number(elapsed) / 1e9;
  return { msgsPerSec: n / s, mbPerSec: (iterations * messageSet.length) / s / 1e6 };
}

function allocationsPerMessage(fn) {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') return null;
  const samples = [];
  for (let i = 0; i < 5; i++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const keep = fn();
    const after = process.memoryUsage().heapUsed;
    samples.push((after - before) / count);
    if (keep === undefined) throw new Error('unreachable');
  }
  return median(samples);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// Warm up every path so the JIT has settled before the timed rounds.
for (let i = 0; i < 3; i++) {
  await timed(ours, 150);
  await timed(oursVisitor, 150);
  await timed(oursVerify, 150);
  await timed(kafkajs, 150);
}

const results = { ours: [], oursVisitor: [], oursVerify: [], kafkajs: [] };
for (let round = 0; round < ROUNDS; round++) {
  results.ours.push(await timed(ours, ROUND_MS));
  results.oursVisitor.push(await timed(oursVisitor, ROUND_MS));
  results.oursVerify.push(await timed(oursVerify, ROUND_MS));
  results.kafkajs.push(await timed(kafkajs, ROUND_MS));
}

const kjsHeld = [];
const alloc = {
  ours: allocationsPerMessage(() => decodeMessageSet(messageSet)),
  oursVisitor: allocationsPerMessage(() => forEachMessage(messageSet, visit)),
  oursVerify: allocationsPerMessage(() => verifyMessageSet(messageSet)),
  kafkajs: allocationsPerMessage(() => {
    // Synchronous part only: for an uncompressed set kafkajs does all its work before the await.
    const d = new KafkajsDecoder(response);
    d.offset = setStart;
    const p = kafkajsMessageSetDecoder(d, messageSet.length);
    kjsHeld.push(p);
    return p;
  }),
};

const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(
  `Fetch v0 MessageSet: ${count} messages of ${VALUE_BYTES}-byte values, ${messageSet.length} bytes; CRC verification ON`,
);
console.log(`node ${process.version}, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms each, medians:`);
for (const [name, label] of [
  ['ours', 'kafka08 decodeMessageSet'],
  ['oursVisitor', 'kafka08 forEachMessage (visitor)'],
  ['oursVerify', 'kafka08 verifyMessageSet (no views)'],
  ['kafkajs', 'kafkajs 2.2.4 messageSet decoder (CRC not checked)'],
]) {
  const msgs = median(results[name].map((r) => r.msgsPerSec));
  const mb = median(results[name].map((r) => r.mbPerSec));
  const a = alloc[name];
  console.log(
    `  ${label.padEnd(52)} ${fmt(msgs).padStart(12)} msg/s  ${mb.toFixed(1).padStart(8)} MB/s  ${a === null ? 'n/a (run with --expose-gc)' : `${a.toFixed(0)} heap bytes/msg`}`,
  );
}
const kafka08MsgsPerSec = Math.round(median(results.ours.map((r) => r.msgsPerSec)));
const kafkajsMsgsPerSec = Math.round(median(results.kafkajs.map((r) => r.msgsPerSec)));
console.log(
  JSON.stringify({
    kafka08MsgsPerSec,
    kafkajsMsgsPerSec,
    ratio: Number((kafka08MsgsPerSec / kafkajsMsgsPerSec).toFixed(2)),
  }),
);
