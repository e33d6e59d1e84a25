// Exactly-once word counting across crashes: FlinkKafkaConsumer082 driven by runCheckpointed,
// with the counts (the application state) and the consumer's offsets checkpointed together in a
// FileCheckpointStore (fsynced, checksummed, the last 3 kept). A restarted run restores both and
// resumes right after the last checkpoint, so records processed after it by a crashed run are
// neither lost nor counted twice.
//
//   KAFKA08_BROKERS=127.0.0.1:9092 KAFKA08_ZOOKEEPER=127.0.0.1:2181 \
//     node examples/checkpoint-runner.mjs <topic> <checkpoint-dir> [--every N] [--crash-after N]
//
// It reads until each partition's "END" marker and prints {"processed": n, "counts": {...}}.
// --crash-after N exits abruptly (code 3) after N records of this run, without a checkpoint.
import { parseArgs } from 'node:util';
import { FileCheckpointStore, FlinkKafkaConsumer082, runCheckpointed, SimpleStringSchema } from 'kafka08';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { every: { type: 'string', default: '5' }, 'crash-after': { type: 'string' } },
});
const [topic, dir] = positionals;
if (topic === undefined || dir === undefined) {
  console.error(
    'usage: node examples/checkpoint-runner.mjs <topic> <checkpoint-dir> [--every N] [--crash-after N]',
  );
  process.exit(2);
}
const crashAfter = values['crash-after'] === undefined ? Infinity : Number(values['crash-after']);

const consumer = new FlinkKafkaConsumer082(topic, new SimpleStringSchema({ endMarker: 'END' }), {
  'bootstrap.servers': process.env.KAFKA08_BROKERS || '127.0.0.1:9092',
  'zookeeper.connect': process.env.KAFKA08_ZOOKEEPER || '127.0.0.1:2181',
  'group.id': `checkpoint-runner-${topic}`,
  startFrom: 'earliest',
  checkpointing: true, // offsets are committed when a checkpoint completes, never periodically
});

let thisRun = 0;
const { state } = await runCheckpointed(consumer, {
  store: new FileCheckpointStore(dir),
  initialState: () => ({ processed: 0, counts: {} }),
  process: (word, s) => {
    s.counts[word] = (s.counts[word] ?? 0) + 1;
    s.processed++;
    if (++thisRun >= crashAfter) process.exit(3); // a crash: nothing after the last checkpoint is kept
  },
  everyRecords: Number(values.every),
});
const counts = Object.fromEntries(Object.entries(state.counts).sort(([a], [b]) => (a < b ? -1 : 1)));
console.log(JSON.stringify({ processed: state.processed, counts }));
