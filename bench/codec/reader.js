// Consumer-class micro-benchmark (not a test): the CPU a 1 MiB batch of 100-byte messages costs,
// per record, without the network. "engine" is a verified batch read with forEachMessage (what
// the kafka08 bench client does); the others are the consumer classes' RecordReader.rest() (what
// pollBatch() does) with RawBytesSchema, with a schema that returns the value it is given, and
// with one that returns a number (no record object survives the batch). Each round builds a fresh
// response frame and verifies it with CRC checks on, as the engine does at hand-out. Medians of
// interleaved rounds, ns per record. Run after `npm run build`: `node bench/codec/reader.js`.
import { RecordReader } from '../../dist/consumers/record-reader.js';
import { KafkaRecordSchema, RawBytesSchema } from '../../dist/consumers/schemas.js';
import { encodeMessageSet } from '../../dist/protocol/message-set-encode.js';
import { LazyMessageBatch } from '../../dist/simple-consumer/fetch-engine/message-batch.js';
import { interleavedMedians } from './medians.js';

const N = 8700; // 100-byte messages in a 1 MiB fetch
const set = encodeMessageSet(Array.from({ length: N }, (_, i) => ({ value: Buffer.alloc(100, i & 0xff) })));
const end = BigInt(N);
let sink = 0;

function freshBatch() {
  const b = new LazyMessageBatch('t', 0, Buffer.from(set), 0n, end, end, false);
  b.verify(true);
  return b;
}

function readerFor(schema) {
  const positions = new Map([['0:t', { topic: 't', partition: 0, offset: 0n }]]);
  const reader = new RecordReader(schema, positions, () => {});
  return (b) => {
    reader.take(b);
    for (const r of reader.rest().records) sink += typeof r === 'number' ? r : (r.value ?? r).length;
  };
}

const variants = {
  engine: (b) =>
    b.forEachMessage((_o, _k, v) => {
      sink += v.length;
    }),
  rawBytesSchema: readerFor(new RawBytesSchema()),
  keepValue: readerFor({ deserialize: (v) => v, isEndOfStream: () => false }),
  numberSchema: readerFor({ deserialize: (v) => v.length, isEndOfStream: () => false }),
  kafkaRecordSchema: readerFor(new KafkaRecordSchema()),
};

function run(f) {
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < 20; r++) f(freshBatch());
  return Number(process.hrtime.bigint() - t0) / (20 * N);
}
const out = interleavedMedians(variants, run, { rounds: Number(process.env.ROUNDS ?? 15), warmups: 3 });
for (const [k, v] of Object.entries(out)) console.log(`  ${k.padEnd(15)} ${v} ns per record`);
if (sink === 0.5) throw new Error('unreachable');
console.log(JSON.stringify(out));
