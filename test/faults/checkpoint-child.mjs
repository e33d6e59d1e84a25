// The process the crash-loop test kills: a FlinkKafkaConsumer082 driven by runCheckpointed over
// records whose values are "<partition>:<seq>:<padding>", reading until each partition's END.
// Its sink notes, per partition, the next sequence number expected, and counts every gap (lost)
// and repeat (duplicated), so exactly-once is checked record by record, not as a sum.
//
//   node test/faults/checkpoint-child.mjs <topic> --sink file --dir <checkpoint-dir> [--every N]
//   node test/faults/checkpoint-child.mjs <topic> --sink pg --pg <url> [--every N]
//
// File sink: that state is the FileCheckpointStore's. PostgreSQL sink: each checkpoint inserts
// the (partition, seq) rows seen since the previous one and the consumer's offsets in one
// transaction, like examples/checkpoint-postgres.mjs; the test then counts rows in the table.
// Prints "P <processed>" every 500 records (the test kills at seeded positions) and a final
// JSON line with the state.
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  FileCheckpointStore,
  FlinkKafkaConsumer082,
  runCheckpointed,
  SimpleStringSchema,
} from '../../dist/index.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    sink: { type: 'string', default: 'file' },
    dir: { type: 'string' },
    pg: { type: 'string' },
    every: { type: 'string', default: '1000' },
  },
});
const [topic] = positionals;
if (topic === undefined) {
  console.error('usage: checkpoint-child.mjs <topic> --sink file|pg (--dir DIR | --pg URL)');
  process.exit(2);
}

/** Checks one record against the sequence expected next in its partition. */
function apply(value, s) {
  const first = value.indexOf(':');
  const p = value.slice(0, first);
  const seq = Number(value.slice(first + 1, value.indexOf(':', first + 1)));
  const next = s.next[p] ?? 0;
  if (seq < next) s.duplicated++;
  else {
    s.lost += seq - next;
    s.next[p] = seq + 1;
  }
  s.processed++;
  return { p, seq };
}

function pgStore(db) {
  return {
    async load() {
      const r = await db.query('SELECT id, consumer, state FROM faults_checkpoints WHERE job = $1', [topic]);
      if (r.rows.length === 0) return undefined;
      const row = r.rows[0];
      return { id: Number(row.id), consumer: row.consumer, state: { ...row.state, rows: [] } };
    },
    async save({ id, consumer, state }) {
      const { rows, ...kept } = state;
      await db.query('BEGIN');
      try {
        await db.query(
          `INSERT INTO faults_rows (job, p, seq) SELECT $1, p, s FROM unnest($2::int[], $3::int[]) AS t(p, s)`,
          [topic, rows.map((r) => Number(r.p)), rows.map((r) => r.seq)],
        );
        await db.query(
          `INSERT INTO faults_checkpoints (job, id, consumer, state) VALUES ($1, $2, $3, $4)
           ON CONFLICT (job) DO UPDATE SET id = $2, consumer = $3, state = $4`,
          [topic, id, JSON.stringify(consumer), JSON.stringify(kept)],
        );
        await db.query('COMMIT');
      } catch (err) {
        await db.query('ROLLBACK').catch(() => {});
        throw err;
      }
    },
  };
}

let db;
let store;
if (values.sink === 'pg') {
  db = new pg.Client(values.pg);
  await db.connect();
  await db.query(
    'CREATE TABLE IF NOT EXISTS faults_rows (job text NOT NULL, p int NOT NULL, seq int NOT NULL)',
  );
  await db.query(`CREATE TABLE IF NOT EXISTS faults_checkpoints (
    job text PRIMARY KEY, id bigint NOT NULL, consumer jsonb NOT NULL, state jsonb NOT NULL)`);
  store = pgStore(db);
} else {
  store = new FileCheckpointStore(values.dir);
}

const consumer = new FlinkKafkaConsumer082(topic, new SimpleStringSchema({ endMarker: 'END' }), {
  'bootstrap.servers': process.env.KAFKA08_BROKERS,
  'zookeeper.connect': process.env.KAFKA08_ZOOKEEPER,
  'group.id': `faults-${values.sink}-${topic}`,
  startFrom: 'earliest',
  checkpointing: true,
});

const { state } = await runCheckpointed(consumer, {
  store,
  initialState: () => ({ next: {}, lost: 0, duplicated: 0, processed: 0, rows: [] }),
  process: (value, s) => {
    const row = apply(value, s);
    if (db !== undefined) s.rows.push(row);
    if (s.processed % 500 === 0) process.stdout.write(`P ${s.processed}\n`);
  },
  everyRecords: Number(values.every),
  everyMs: 1000,
  onCheckpoint: (cp) => {
    if (db !== undefined) cp.state.rows = [];
  },
});
const { rows: _rows, ...out } = state;
await db?.end();
process.stdout.write(`${JSON.stringify(out)}\n`);
