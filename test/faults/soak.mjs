// `npm run soak`: steady produce + consume for a while (default 10 minutes), with a checkpoint
// every second, sampling this process's RSS, heap, handles and sockets. After a warm-up (the
// first fifth) the least-squares slope of each is printed and must be flat; every record must
// arrive exactly once. The figures go to test/faults/results/<full|ci>/soak.json for the README.
//
//   node test/faults/soak.mjs [--minutes 10]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  FileCheckpointStore,
  FlinkKafkaConsumer082,
  runCheckpointed,
  SimpleStringSchema,
} from '../../dist/index.js';
import { startLocalKafka } from '../../dist/rig/index.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' } } });
const minutes = Number(values.minutes);
const durationMs = minutes * 60_000;
const PARTITIONS = 4;
const BATCH = 500;
/** Slopes above these (per minute, after warm-up) mean something grows without bound. */
const FLAT = { rssBytes: 4 * 2 ** 20, heapBytes: 2 * 2 ** 20, handles: 1, sockets: 0.5 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const topic = 'soak';
const kafka = await startLocalKafka({
  version: '0.8.2.2',
  topics: [{ name: topic, partitions: PARTITIONS }],
});
const dir = mkdtempSync(join(tmpdir(), 'kafka08-soak-'));
const stop = new AbortController();
let produced = 0;
let producing = true;
const producer = (async () => {
  for (let batch = 0; producing; batch++) {
    const partition = batch % PARTITIONS;
    const base = Math.floor(batch / PARTITIONS) * BATCH;
    const records = Array.from({ length: BATCH }, (_, i) => ({
      partition,
      value: `${partition}:${base + i}:${'s'.repeat(i % 200)}`,
    }));
    produced += await kafka.produce(topic, records);
    await sleep(50);
  }
})();

const consumer = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), {
  'bootstrap.servers': kafka.brokers,
  'zookeeper.connect': kafka.zookeeper,
  'group.id': 'soak',
  startFrom: 'earliest',
  checkpointing: true,
});
let checkpoints = 0;
let consumed = 0;
const run = runCheckpointed(consumer, {
  store: new FileCheckpointStore(dir),
  initialState: () => ({ next: {}, lost: 0, duplicated: 0 }),
  process: (value, s) => {
    const [p, seqText] = value.split(':');
    const seq = Number(seqText);
    const next = s.next[p] ?? 0;
    if (seq < next) s.duplicated++;
    else {
      s.lost += seq - next;
      s.next[p] = seq + 1;
    }
    consumed++;
  },
  everyRecords: 1_000_000_000,
  everyMs: 1000,
  signal: stop.signal,
  onCheckpoint: () => {
    checkpoints++;
  },
});

const samples = [];
const started = Date.now();
const sample = () => {
  const info = process.getActiveResourcesInfo();
  samples.push({
    minute: (Date.now() - started) / 60_000,
    rssBytes: process.memoryUsage.rss(),
    heapBytes: process.memoryUsage().heapUsed,
    handles: info.length,
    sockets: info.filter((r) => r === 'TCPSocketWrap').length,
  });
};
while (Date.now() - started < durationMs) {
  sample();
  await sleep(Math.min(5000, durationMs / 60));
}
producing = false;
await producer;
for (const until = Date.now() + 60_000; consumed < produced && Date.now() < until; ) await sleep(100);
stop.abort();
const { state } = await run;
await kafka.stop();
rmSync(dir, { recursive: true, force: true });

function slope(key) {
  const pts = samples.filter((s) => s.minute >= minutes / 5);
  const n = pts.length;
  const mx = pts.reduce((a, s) => a + s.minute, 0) / n;
  const my = pts.reduce((a, s) => a + s[key], 0) / n;
  const num = pts.reduce((a, s) => a + (s.minute - mx) * (s[key] - my), 0);
  const den = pts.reduce((a, s) => a + (s.minute - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}
const slopes = Object.fromEntries(Object.keys(FLAT).map((k) => [k, slope(k)]));
const flat = Object.entries(FLAT).every(([k, limit]) => slopes[k] <= limit);
const missing = produced - consumed;
console.log(`soak: ${minutes} min, produced ${produced}, consumed ${consumed}, ${checkpoints} checkpoints`);
for (const [k, v] of Object.entries(slopes))
  console.log(`  slope of ${k} after warm-up: ${v.toFixed(1)} per minute (limit ${FLAT[k]})`);
const peak = Math.max(...samples.map((s) => s.rssBytes));
const scale = minutes >= 10 ? 'full' : 'ci';
const out = join(import.meta.dirname, 'results', scale);
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'soak.json'),
  `${JSON.stringify(
    {
      fault: `soak: ${minutes} min of steady produce + consume, a checkpoint a second`,
      count: checkpoints,
      records: produced,
      lost: state.lost + Math.max(0, missing),
      duplicated: state.duplicated,
      worstRecoveryMs: null, // nothing is broken on purpose: no recovery to time
      peakMemoryBytes: peak,
      notes: `${flat ? 'flat' : 'NOT FLAT'}: slopes per minute after warm-up: RSS ${(slopes.rssBytes / 2 ** 20).toFixed(2)} MiB, heap ${(slopes.heapBytes / 2 ** 20).toFixed(2)} MiB, handles ${slopes.handles.toFixed(2)}, sockets ${slopes.sockets.toFixed(2)}`,
      scale,
      at: new Date().toISOString(),
    },
    null,
    2,
  )}\n`,
);
if (!flat || state.lost > 0 || state.duplicated > 0 || missing !== 0) {
  console.error('soak FAILED: something grows, or records were lost or duplicated');
  process.exit(1);
}
console.log('soak passed: flat, every record exactly once');
