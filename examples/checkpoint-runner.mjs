// Exactly-once word counting across crashes with FlinkKafkaConsumer082 and a file as the state
// backend. The consumer's snapshot and the counts are written together, atomically (temp file +
// rename), every few records; a restarted run restores both and resumes right after the last
// checkpoint, so records processed after it by a crashed run are neither lost nor counted twice.
//
//   KAFKA08_BROKERS=127.0.0.1:9092 KAFKA08_ZOOKEEPER=127.0.0.1:2181 \
//     node examples/checkpoint-runner.mjs <topic> <state-file> [--every N] [--crash-after N]
//
// It reads until each partition's "END" marker and prints {"processed": n, "counts": {...}}.
// --crash-after N exits abruptly (code 3) after N records of this run, without a checkpoint.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FlinkKafkaConsumer082, SimpleStringSchema } from 'kafka08';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { every: { type: 'string', default: '5' }, 'crash-after': { type: 'string' } },
});
const [topic, stateFile] = positionals;
if (topic === undefined || stateFile === undefined) {
  console.error(
    'usage: node examples/checkpoint-runner.mjs <topic> <state-file> [--every N] [--crash-after N]',
  );
  process.exit(2);
}
const every = Number(values.every);
const crashAfter = values['crash-after'] === undefined ? Infinity : Number(values['crash-after']);

/** The file store: one JSON document holding the consumer state and ours, replaced atomically. */
const store = {
  load: () => (existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : undefined),
  save(state) {
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(state));
    renameSync(`${stateFile}.tmp`, stateFile);
  },
};

const consumer = new FlinkKafkaConsumer082(topic, new SimpleStringSchema({ endMarker: 'END' }), {
  'bootstrap.servers': process.env.KAFKA08_BROKERS || '127.0.0.1:9092',
  'zookeeper.connect': process.env.KAFKA08_ZOOKEEPER || '127.0.0.1:2181',
  'group.id': `checkpoint-runner-${topic}`,
  startFrom: 'earliest',
  checkpointing: true, // offsets are committed when a checkpoint completes, never periodically
});
const saved = store.load();
if (saved !== undefined) consumer.restoreState(saved.consumer);
const counts = new Map(Object.entries(saved?.counts ?? {}));
let processed = saved?.processed ?? 0;
let checkpointId = saved?.checkpointId ?? 0;
let thisRun = 0;

const checkpoint = async () => {
  checkpointId++;
  // snapshotState is synchronous: it records exactly the records counted so far.
  store.save({
    checkpointId,
    consumer: consumer.snapshotState(checkpointId),
    counts: Object.fromEntries(counts),
    processed,
  });
  await consumer.notifyCheckpointComplete(checkpointId);
};

for (let word = await consumer.read(); word !== undefined; word = await consumer.read()) {
  counts.set(word, (counts.get(word) ?? 0) + 1);
  processed++;
  thisRun++;
  if (thisRun >= crashAfter) process.exit(3); // a crash: nothing after the last checkpoint is kept
  if (processed % every === 0) await checkpoint();
}
await checkpoint();
await consumer.close();
console.log(JSON.stringify({ processed, counts: Object.fromEntries([...counts].sort()) }));
