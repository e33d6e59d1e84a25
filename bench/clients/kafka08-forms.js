// One reading form of kafka08's public consumer, for bench/forms.js: FlinkKafkaConsumer082 under
// checkpointing (snapshotState every 100k records, as kafka08-consumer.js does), read with the
// form named by options.form and the schema named by options.schema. Every form touches each
// value once (its length), so they differ only in how records reach the loop.
//
//   options: { form: nextBatch | pollBatch | poll | for-await | read | run | run-async | stream | stream-iter,
//              schema: raw | string | json, zookeeper, dist?: another build's index.js }
import { exitSoon, parseArgs, tracker } from './common.js';

const { brokers, topic, expected, options } = parseArgs();
const form = options.form ?? 'for-await';
const schemaName = options.schema ?? 'raw';
const t = tracker(`kafka08-${form}-${schemaName}`, expected);
const { FlinkKafkaConsumer082, JsonSchema, RawBytesSchema, SimpleStringSchema } = await import(
  options.dist ?? '../../dist/index.js'
);

const SCHEMAS = {
  raw: () => new RawBytesSchema(),
  string: () => new SimpleStringSchema(),
  json: () => new JsonSchema({ strict: true }),
};
// What the loop does with a value: its length for bytes and strings, a field for parsed JSON.
const SIZES = {
  raw: (v) => v.length,
  string: (v) => v.length,
  json: (v) => v.text.length,
};
const size = SIZES[schemaName];
let consumer;

/** Counts records and snapshots every 100k; `add` returns true once every record was seen. */
function counter() {
  let seen = 0;
  let bytes = 0;
  let sinceSnapshot = 0;
  let checkpointId = 0;
  return {
    get seen() {
      return seen;
    },
    add(n, b) {
      seen += n;
      bytes += b;
      sinceSnapshot += n;
      if (sinceSnapshot >= 100_000) {
        consumer.snapshotState(++checkpointId);
        sinceSnapshot = 0;
      }
      if (seen < expected) return false;
      t.add(seen, bytes);
      return true;
    },
  };
}

const FORMS = {
  async nextBatch(c) {
    const n = counter();
    for (;;) {
      const batch = await c.nextBatch();
      if (batch === undefined) break;
      let b = 0;
      for (const v of batch.records) b += size(v);
      if (n.add(batch.records.length, b)) break;
    }
    return n.seen;
  },
  async pollBatch(c) {
    const n = counter();
    while (await c.ready()) {
      const batch = c.pollBatch();
      if (batch === undefined) continue;
      let b = 0;
      for (const v of batch.records) b += size(v);
      if (n.add(batch.records.length, b)) break;
    }
    return n.seen;
  },
  async poll(c) {
    const n = counter();
    outer: while (await c.ready()) {
      for (let r = c.poll(); r !== undefined; r = c.poll()) if (n.add(1, size(r.value))) break outer;
    }
    return n.seen;
  },
  async 'for-await'(c) {
    const n = counter();
    for await (const v of c) if (n.add(1, size(v))) break;
    return n.seen;
  },
  async read(c) {
    const n = counter();
    for (let v = await c.read(); v !== undefined; v = await c.read()) if (n.add(1, size(v))) break;
    return n.seen;
  },
  /** The push loop with a synchronous handler (it stops the loop once every record was seen). */
  async run(c) {
    const n = counter();
    const stop = new AbortController();
    await c.run({
      eachRecord: (v) => {
        if (n.add(1, size(v))) stop.abort();
      },
      signal: stop.signal,
    });
    return n.seen;
  },
  /** The same with an async handler, as most handlers are written. */
  async 'run-async'(c) {
    const n = counter();
    const stop = new AbortController();
    await c.run({
      eachRecord: async (v) => {
        if (n.add(1, size(v))) stop.abort();
      },
      signal: stop.signal,
    });
    return n.seen;
  },
  /** Flowing mode: a 'data' listener, as pipe() reads. */
  stream(c) {
    const n = counter();
    const s = c.stream();
    return new Promise((resolve, reject) => {
      s.on('data', (v) => {
        if (n.add(1, size(v))) {
          s.destroy();
          resolve(n.seen);
        }
      });
      s.on('end', () => resolve(n.seen));
      s.on('error', reject);
    });
  },
  /** `for await` over the Readable. */
  async 'stream-iter'(c) {
    const n = counter();
    for await (const v of c.stream()) if (n.add(1, size(v))) break;
    return n.seen;
  },
};

t.start();
try {
  consumer = new FlinkKafkaConsumer082(topic, SCHEMAS[schemaName](), {
    'bootstrap.servers': brokers,
    'zookeeper.connect': options.zookeeper,
    'group.id': `bench-forms-${process.pid}-${Date.now()}`,
    startFrom: 'earliest',
    checkpointing: true,
  });
  const seen = await FORMS[form](consumer);
  if (seen < expected) t.finish(false, new Error(`the consumer ended after ${seen} of ${expected} records`));
} catch (e) {
  t.finish(false, e);
}
exitSoon();
