// The consumer's own share of a reading form, without a broker: a RecordSource whose fill()
// hands out the same verified batch (8000 x 100 B JSON values) again and again, read with one
// form. What it prints includes the copy walk and the CRC check of every batch, which the
// engine pays too; it leaves out sockets, fetch decoding and the broker.
//
//   node bench/scripts/forms-micro.js <form> [raw|string|json] [records]
//   forms: nextBatch pollBatch poll for-await read run run-async stream stream-iter
//   KAFKA08_DIST=<dir> measures another build (default: dist/).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.env.KAFKA08_DIST ?? join(here, '..', '..', 'dist'));
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { RecordSource } = await load('consumers/record-source.js');
const { RecordReader } = await load('consumers/record-reader.js');
const { partitionKey } = await load('consumers/checkpoint-state.js');
const { JsonSchema, RawBytesSchema, SimpleStringSchema } = await load('consumers/schemas.js');
const { LazyMessageBatch } = await load('simple-consumer/fetch-engine/message-batch.js');
const { encodeMessageSet } = await load('protocol/index.js');

const [form = 'for-await', schemaName = 'raw', total = '2000000'] = process.argv.slice(2);
const records = Number(total);
const PER_BATCH = 8000;
const values = [];
for (let i = 0; i < PER_BATCH; i++) {
  const head = `{"n":${i},"text":"`;
  values.push({ key: null, value: Buffer.from(`${head}${'x'.repeat(100 - head.length - 2)}"}`) });
}
const set = encodeMessageSet(values);
const schema = { raw: new RawBytesSchema(), string: new SimpleStringSchema(), json: new JsonSchema() }[
  schemaName
];

class Repeating extends RecordSource {
  constructor() {
    super();
    this.positions = new Map([[partitionKey('t', 0), { topic: 't', partition: 0, offset: 0n }]]);
    this.reader = new RecordReader(schema, this.positions, () => {}, this.counters);
    this.given = 0;
  }
  observed() {
    return { positions: this.positions.values(), engine: undefined };
  }
  async fill() {
    if (this.given >= records) return false;
    this.given += PER_BATCH;
    const batch = new LazyMessageBatch('t', 0, set, 0n, BigInt(PER_BATCH), BigInt(PER_BATCH), false);
    batch.verify(true);
    await Promise.resolve();
    this.reader.take(batch);
    return true;
  }
  async close() {
    this.settleForClose();
    this.reader.drop();
  }
}

const FORMS = {
  async nextBatch(c) {
    let n = 0;
    for (let b = await c.nextBatch(); b !== undefined; b = await c.nextBatch()) n += b.records.length;
    return n;
  },
  async pollBatch(c) {
    let n = 0;
    while (await c.ready()) n += c.pollBatch()?.records.length ?? 0;
    return n;
  },
  async poll(c) {
    let n = 0;
    while (await c.ready()) for (let r = c.poll(); r !== undefined; r = c.poll()) n++;
    return n;
  },
  async 'for-await'(c) {
    let n = 0;
    for await (const _ of c) n++;
    return n;
  },
  async read(c) {
    let n = 0;
    for (let v = await c.read(); v !== undefined; v = await c.read()) n++;
    return n;
  },
  stream(c) {
    let n = 0;
    return new Promise((res, rej) => {
      const s = c.stream();
      s.on('data', () => n++);
      s.on('end', () => res(n));
      s.on('error', rej);
    });
  },
  async run(c) {
    let n = 0;
    await c.run({
      eachRecord: () => {
        n++;
      },
    });
    return n;
  },
  async 'run-async'(c) {
    let n = 0;
    await c.run({
      eachRecord: async () => {
        n++;
      },
    });
    return n;
  },
  async 'stream-iter'(c) {
    let n = 0;
    for await (const _ of c.stream()) n++;
    return n;
  },
};

const t0 = performance.now();
const seen = await FORMS[form](new Repeating());
const ms = performance.now() - t0;
console.log(
  `${form} ${schemaName}: ${seen} records in ${ms.toFixed(0)} ms, ${(seen / ms / 1000).toFixed(2)}M/s`,
);
