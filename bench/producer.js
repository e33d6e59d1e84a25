// Producer throughput benchmark (`npm run bench:producer`; `--smoke` for a 50k-message check):
// kafka08's Producer (send() with promises, with callbacks, sendBatch() of 1000 records) and its
// FlinkKafkaProducer (invoke() awaited per element), kcat -P (librdkafka) and Kafka
// 0.8.2's own ProducerPerformance (the Java KafkaProducer, constant payload) and that KafkaProducer
// sending our text values (jvm-text) each write N x 100-byte records with
// acks=1 to a fresh 1-partition topic of the same local 0.8.2.2 broker, per codec, interleaved
// (the client order rotates each round). Each client is a child process measured from outside
// (GNU time: peak RSS, user+system CPU); the broker's CPU over the same run is read from /proc
// (`busy`: broker CPU seconds per second of the client's timed window; a 0.8 broker works one
// connection's requests one at a time, so near 1 the row measures the broker, not the client).
// A run counts only if the topic's log end offset then equals N. Medians per codec and client,
// the load averages and kafka08's ratio to each peer are printed and written to
// bench/results/producer-latest.json. Figures are printed, never asserted.
//
// Flags: --smoke (50k messages, 1 round), --messages N, --size B, --runs R, --codecs a,b,
// --clients a,b, --timeout SECONDS (per client run, default 120), --out FILE (the JSON, default
// bench/results/producer-latest.json). The client kafka08-js (send() with the JS compressors,
// wasm off: what snappy and lz4 cost before the wasm compressors) runs only when named.
// --baseline DIR: another built checkout of kafka08 (e.g. the commit before a change), whose
// driver runs as clients `base` and `base-cb`, interleaved with the others: a before/after in one run.
// --node NAME=PATH[,...]: other Node.js binaries; our driver runs under each as `kafka08@NAME` and
// `kafka08-cb@NAME`, interleaved with the others.
// --payload ones: every client sends ProducerPerformance's payload (100 bytes of 0x01) instead of
// the text values, so the jvm row compares like with like on every codec.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliArgs } from './lib/args.js';
import { processCpuSec } from './lib/proc-cpu.js';
import { fmt } from './lib/svg.js';
import { lastJsonLine, runTimed } from './lib/timed.js';
import { payloadBlock } from './producer/payload.js';

const here = dirname(fileURLToPath(import.meta.url));
const { startLocalKafka } = await import('../dist/rig/index.js');

const { flag, value } = cliArgs();
const smoke = flag('smoke');
const messages = Number(value('messages') ?? (smoke ? 50_000 : 1_000_000));
const size = Number(value('size') ?? 100);
const runs = Number(value('runs') ?? (smoke ? 1 : 5));
const timeoutMs = Number(value('timeout') ?? 120) * 1000;
const codecs = (value('codecs') ?? 'none,gzip,snappy,lz4').split(',');
const payload = value('payload') ?? 'text';
const CLIENTS = [
  { name: 'kafka08', file: 'kafka08.js', label: 'kafka08 Producer (ours), send() per record' },
  {
    name: 'kafka08-cb',
    file: 'kafka08.js',
    label: 'kafka08 Producer (ours), send(record, callback) per record',
    options: { api: 'callback' },
  },
  {
    name: 'kafka08-batch',
    file: 'kafka08.js',
    label: 'kafka08 Producer (ours), sendBatch() of 1000 records',
    options: { api: 'batch', batchRecords: 1000 },
  },
  {
    name: 'kafka08-sink',
    file: 'kafka08-sink.js',
    label: 'kafka08 FlinkKafkaProducer (ours), await invoke() per element',
  },
  {
    name: 'kafka08-js',
    file: 'kafka08.js',
    label: 'kafka08 Producer (ours), send() per record, JS compressors (wasm off)',
    options: { wasmCompressors: false },
    onlyWhenNamed: true,
  },
  { name: 'kcat', file: 'kcat.js', label: 'kcat -P (librdkafka)' },
  { name: 'jvm', file: 'jvm.js', label: 'Kafka 0.8.2.2 org.apache.kafka.clients.tools.ProducerPerformance' },
  {
    name: 'jvm-text',
    file: 'jvm-text.js',
    label: "Kafka 0.8.2.2's KafkaProducer sending the same text values (bench/producer/TextProducer.java)",
  },
];
const baseline = value('baseline');
if (baseline) {
  const driver = join(baseline, 'bench', 'producer', 'kafka08.js');
  CLIENTS.push(
    { name: 'base', path: driver, label: `kafka08 at ${baseline}, send() per record` },
    {
      name: 'base-cb',
      path: driver,
      label: `kafka08 at ${baseline}, send(record, callback) per record`,
      options: { api: 'callback' },
    },
  );
}
const otherNodes = [];
for (const spec of value('node')?.split(',') ?? []) {
  const [label, path] = spec.split('=');
  if (!label || !path) throw new Error(`--node wants NAME=PATH, got ${spec}`);
  otherNodes.push({ label, path: resolve(path) });
}
const named = value('clients')?.split(',');
const clients = CLIENTS.filter((c) => (named ? named.includes(c.name) : !c.onlyWhenNamed));
for (const { label, path } of otherNodes) {
  for (const c of clients.filter((x) => x.name === 'kafka08' || x.name === 'kafka08-cb')) {
    clients.push({ ...c, name: `${c.name}@${label}`, label: `${c.label}, ${label}`, node: path });
  }
}
const PEERS = ['kcat', 'jvm', 'jvm-text'];
const OURS = [
  'kafka08',
  'kafka08-cb',
  'kafka08-batch',
  'kafka08-sink',
  'kafka08-js',
  ...(baseline ? ['base', 'base-cb'] : []),
  ...otherNodes.flatMap(({ label }) => [`kafka08@${label}`, `kafka08-cb@${label}`]),
];
const JVM_CAVEAT =
  'ProducerPerformance cannot be given a payload: it sends 100 bytes of 0x01, which every codec ' +
  'compresses to almost nothing (for it and for the broker, which recompresses). Only the ' +
  'uncompressed row compares like with like; its codec rows flatter it. jvm-text is the same Java ' +
  'KafkaProducer sending the text values kafka08 and kcat send: the like-for-like JVM row.';
const loadNow = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadAvgAtStart: loadavg(),
};
console.log(
  `machine: ${machine.cpus} x ${machine.cpuModel}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`${messages} x ${size} B (${payload}), acks=1, ${runs} round(s), codecs ${codecs.join(', ')}`);

// kcat reads its records as lines of a file, written once, outside any measurement.
const work = mkdtempSync(join(tmpdir(), 'kafka08-pbench-'));
const linesFile = join(work, 'values.txt');
{
  const block = payloadBlock(size, 1, payload);
  const perBlock = block.length / size;
  const out = Buffer.allocUnsafe(messages * (size + 1));
  for (let i = 0; i < messages; i++) {
    const from = (i % perBlock) * size;
    block.copy(out, i * (size + 1), from, from + size);
    out[i * (size + 1) + size] = 0x0a;
  }
  writeFileSync(linesFile, out);
}

const kafka = await startLocalKafka({ version: '0.8.2.2' });
const results = [];
try {
  const classpath = kafka.descriptor().classpath;
  const perRun = new Map(codecs.map((c) => [c, new Map(clients.map((x) => [x.name, []]))]));
  for (let r = 0; r < runs; r++) {
    for (const codec of codecs) {
      console.log(`\n-- round ${r + 1}/${runs}: ${codec} (load ${loadNow()})`);
      const order = clients.map((_, i) => clients[(i + r) % clients.length]);
      for (const c of order) {
        const topic = `pbench-${codec}-${c.name.replace('@', '-on-')}-${r}`;
        await kafka.createTopic({ name: topic, partitions: 1 });
        const res = await runClient(c, topic, codec, classpath);
        perRun.get(codec).get(c.name).push(res);
        console.log(`  [${r + 1}/${runs}] ${c.name.padEnd(10)} ${describe(res)}`);
      }
    }
  }
  for (const codec of codecs)
    for (const c of clients) results.push(summarize(codec, c, perRun.get(codec).get(c.name)));
} finally {
  await kafka.stop();
  rmSync(work, { recursive: true, force: true });
}

mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  value('out') ?? join(here, 'results', 'producer-latest.json'),
  `${JSON.stringify({ date: new Date().toISOString(), smoke, messages, size, payload, runs, machine: { ...machine, loadAvgAtEnd: loadavg() }, caveat: payload === 'ones' ? undefined : JVM_CAVEAT, ratios: ratios(), results }, null, 2)}\n`,
);
printTable();
process.exit(0);

async function runClient(c, topic, codec, classpath) {
  const options = {
    compression: codec,
    acks: 1,
    classpath,
    file: linesFile,
    timeoutMs,
    payload,
    ...c.options,
  };
  const brokerPid = kafka.descriptor().brokerList[0]?.pid;
  const brokerCpuBefore = processCpuSec(brokerPid);
  const r = await runTimed(
    c.node ?? 'node',
    [
      c.path ?? join(here, 'producer', c.file),
      kafka.brokers,
      topic,
      String(messages),
      String(size),
      JSON.stringify(options),
    ],
    { timeoutMs: timeoutMs + 10_000 },
  );
  const brokerCpuAfter = processCpuSec(brokerPid);
  const line = lastJsonLine(r.stdout);
  const measured = line?.child ?? r.time;
  const logEnd = latestOffset(topic);
  const out = {
    complete: line?.complete === true && logEnd === messages,
    logEnd,
    elapsedMs: line?.elapsedMs ?? r.wallMs,
    peakRssMb: measured ? +measured.peakRssMb.toFixed(1) : null,
    cpuSec: measured ? +measured.cpuSec.toFixed(2) : null,
    brokerCpuSec:
      brokerCpuBefore === null || brokerCpuAfter === null ? null : round2(brokerCpuAfter - brokerCpuBefore),
    error: line ? line.error : `no result line (exit ${r.code ?? r.signal}): ${r.stderr.trim().slice(-300)}`,
  };
  if (line?.complete && logEnd !== messages) out.error = `log end offset ${logEnd}, expected ${messages}`;
  if (!out.complete && out.error === undefined) {
    out.error = `exit ${r.code ?? r.signal}, reported ${line?.count} sent, log end offset ${logEnd}: ${r.stderr.trim().slice(-200)}`;
  }
  out.msgsPerSec = out.complete ? Math.round(messages / (out.elapsedMs / 1000)) : 0;
  // The broker's CPU over the client's timed window: near 1 core, the row measures the broker.
  out.brokerBusy =
    out.brokerCpuSec === null || !out.elapsedMs ? null : round2(out.brokerCpuSec / (out.elapsedMs / 1000));
  return out;
}

/** The topic's log end offset, asked with the kafka08 CLI (a separate process, not measured). */
function latestOffset(topic) {
  const out = execFileSync(
    process.execPath,
    [
      join(here, '..', 'dist', 'cli', 'main.js'),
      'offsets',
      '--brokers',
      kafka.brokers,
      '--topic',
      topic,
      '--json',
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out).reduce((sum, p) => sum + Number(p.latest), 0);
}

function describe(x) {
  const base = `${fmt(x.msgsPerSec).padStart(6)} msgs/s  rss ${x.peakRssMb} MiB  cpu ${x.cpuSec} s  broker cpu ${x.brokerCpuSec} s (${x.brokerBusy} cores)`;
  return x.complete ? base : `${base}  FAILED: ${x.error ?? ''}`.slice(0, 300);
}

function round2(x) {
  return x === null ? null : +x.toFixed(2);
}

function median(xs) {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function summarize(codec, c, list) {
  const done = list.filter((x) => x.complete);
  const used = done.length ? done : list;
  const rss = used.map((x) => x.peakRssMb).filter((x) => typeof x === 'number');
  return {
    codec,
    client: c.name,
    label: c.label,
    status:
      done.length === list.length
        ? 'ok'
        : `ok in ${done.length} of ${list.length}: ${list.find((x) => !x.complete)?.error}`,
    msgsPerSec: done.length ? Math.round(median(done.map((x) => x.msgsPerSec))) : null,
    peakRssMb: round2(median(rss)),
    maxPeakRssMb: rss.length ? Math.max(...rss) : null,
    cpuSec: round2(median(used.map((x) => x.cpuSec))),
    brokerCpuSec: round2(median(used.map((x) => x.brokerCpuSec))),
    brokerBusy: round2(median(used.map((x) => x.brokerBusy))),
    runs: list,
  };
}

/** Each kafka08 form's median rate over each peer's, per codec (above 1: kafka08 is faster). */
function ratios() {
  const out = {};
  for (const codec of codecs) {
    const rate = (name) => results.find((x) => x.codec === codec && x.client === name)?.msgsPerSec;
    out[codec] = {};
    for (const ours of OURS) {
      out[codec][ours] = {};
      for (const peer of PEERS) {
        const a = rate(ours);
        const b = rate(peer);
        out[codec][ours][peer] = a && b ? +(a / b).toFixed(2) : null;
      }
    }
  }
  return out;
}

function printTable() {
  const r2 = ratios();
  console.log(
    `\nmedians of ${runs} round(s), ${messages} x ${size} B, acks=1; load at start ${machine.loadAvgAtStart
      .map((l) => l.toFixed(2))
      .join(' ')}, at end ${loadNow()}`,
  );
  console.log(
    `${'codec'.padEnd(7)} ${'client'.padEnd(18)} ${'msgs/s'.padStart(9)} ${'MB/s'.padStart(6)} ${'RSS MiB'.padStart(8)} ${'max RSS'.padStart(8)} ${'CPU s'.padStart(6)} ${'broker'.padStart(6)} ${'busy'.padStart(5)}  status`,
  );
  for (const r of results) {
    console.log(
      `${r.codec.padEnd(7)} ${r.client.padEnd(18)} ${(r.msgsPerSec ? fmt(r.msgsPerSec) : '-').padStart(9)} ${String(r.msgsPerSec ? ((r.msgsPerSec * size) / 1e6).toFixed(1) : '-').padStart(6)} ${String(r.peakRssMb ?? '-').padStart(8)} ${String(r.maxPeakRssMb ?? '-').padStart(8)} ${String(r.cpuSec ?? '-').padStart(6)} ${String(r.brokerCpuSec ?? '-').padStart(6)} ${String(r.brokerBusy ?? '-').padStart(5)}  ${r.status.slice(0, 80)}`,
    );
  }
  console.log("\nkafka08 msgs/s over each peer's (same run, medians):");
  for (const codec of codecs) {
    for (const ours of OURS) {
      const parts = PEERS.filter((p) => r2[codec][ours][p] !== null).map(
        (p) => `vs ${p} ${r2[codec][ours][p].toFixed(2)}`,
      );
      if (!parts.length) continue;
      const note =
        payload === 'text' && codec !== 'none' && r2[codec][ours].jvm !== null
          ? '  (jvm: constant payload, see caveat)'
          : '';
      console.log(`  ${codec.padEnd(7)} ${ours.padEnd(18)} ${parts.join('  ')}${note}`);
    }
  }
  if (payload === 'text' && clients.some((c) => c.name === 'jvm')) console.log(`\ncaveat: ${JVM_CAVEAT}`);
}
