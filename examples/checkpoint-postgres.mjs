// Exactly-once word counting into PostgreSQL: the counts and the consumer's offsets are written
// in ONE transaction at each checkpoint, so after a crash at any moment the table holds each
// record's effect exactly once. Between checkpoints the run keeps only the increments since the
// last one; a restart restores the offsets from the table and redoes the rest.
//
//   KAFKA08_BROKERS=127.0.0.1:9092 KAFKA08_ZOOKEEPER=127.0.0.1:2181 \
//   KAFKA08_PG=postgres://kafka08@127.0.0.1:5432/postgres \
//     node examples/checkpoint-postgres.mjs <topic> [--every N] [--crash-after N]
//
// It reads until each partition's "END" marker and prints {"processed": n, "counts": {...}}.
import { parseArgs } from 'node:util';
import { FlinkKafkaConsumer082, runCheckpointed, SimpleStringSchema } from 'kafka08';
import pg from 'pg';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { every: { type: 'string', default: '100' }, 'crash-after': { type: 'string' } },
});
const [topic] = positionals;
if (topic === undefined) {
  console.error('usage: node examples/checkpoint-postgres.mjs <topic> [--every N] [--crash-after N]');
  process.exit(2);
}
const crashAfter = values['crash-after'] === undefined ? Infinity : Number(values['crash-after']);
const db = new pg.Client(process.env.KAFKA08_PG || 'postgres://kafka08@127.0.0.1:5432/postgres');
await db.connect();
await db.query(`CREATE TABLE IF NOT EXISTS word_counts (
  job text NOT NULL, word text NOT NULL, n bigint NOT NULL, PRIMARY KEY (job, word))`);
await db.query(`CREATE TABLE IF NOT EXISTS kafka08_checkpoints (
  job text PRIMARY KEY, id bigint NOT NULL, consumer jsonb NOT NULL, processed bigint NOT NULL)`);

/** A CheckpointStore whose save also writes the results: the sink and the offsets agree always. */
const store = {
  async load() {
    const r = await db.query('SELECT id, consumer, processed FROM kafka08_checkpoints WHERE job = $1', [
      topic,
    ]);
    if (r.rows.length === 0) return undefined;
    const row = r.rows[0];
    return {
      id: Number(row.id),
      consumer: row.consumer,
      state: { pending: {}, processed: Number(row.processed) },
    };
  },
  async save({ id, consumer, state }) {
    const words = Object.keys(state.pending);
    await db.query('BEGIN');
    try {
      await db.query(
        `INSERT INTO word_counts (job, word, n)
         SELECT $1, w, d FROM unnest($2::text[], $3::bigint[]) AS t(w, d)
         ON CONFLICT (job, word) DO UPDATE SET n = word_counts.n + EXCLUDED.n`,
        [topic, words, words.map((w) => state.pending[w])],
      );
      await db.query(
        `INSERT INTO kafka08_checkpoints (job, id, consumer, processed) VALUES ($1, $2, $3, $4)
         ON CONFLICT (job) DO UPDATE SET id = $2, consumer = $3, processed = $4`,
        [topic, id, JSON.stringify(consumer), state.processed],
      );
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => {});
      throw err;
    }
  },
};

const consumer = new FlinkKafkaConsumer082(topic, new SimpleStringSchema({ endMarker: 'END' }), {
  'bootstrap.servers': process.env.KAFKA08_BROKERS || '127.0.0.1:9092',
  'zookeeper.connect': process.env.KAFKA08_ZOOKEEPER || '127.0.0.1:2181',
  'group.id': `checkpoint-postgres-${topic}`,
  startFrom: 'earliest',
  checkpointing: true,
});

let thisRun = 0;
const { state } = await runCheckpointed(consumer, {
  store,
  initialState: () => ({ pending: {}, processed: 0 }),
  process: (word, s) => {
    s.pending[word] = (s.pending[word] ?? 0) + 1;
    s.processed++;
    if (++thisRun >= crashAfter) process.exit(3); // a crash: the open increments are simply lost
  },
  everyRecords: Number(values.every),
  everyMs: 1000,
  // The increments are in the table now: start the next ones from zero.
  onCheckpoint: (cp) => {
    cp.state.pending = {};
  },
});
const rows = await db.query('SELECT word, n FROM word_counts WHERE job = $1 ORDER BY word', [topic]);
await db.end();
console.log(
  JSON.stringify({
    processed: state.processed,
    counts: Object.fromEntries(rows.rows.map((r) => [r.word, Number(r.n)])),
  }),
);
