// Reading-form benchmark (`npm run bench:forms`): what each way of reading FlinkKafkaConsumer082
// costs against nextBatch(), and what SimpleStringSchema and JsonSchema cost per record against
// raw bytes. One local Kafka 0.8.2.2 broker, one topic written once (N x 100 B JSON values on
// 1 partition, so every schema reads the same bytes), every form read from offset 0 as its own
// child process (bench/clients/kafka08-forms.js) under GNU time (peak RSS, user+system CPU),
// interleaved over rounds with the order rotating. Medians are printed with each row's ratio to
// nextBatch() of the same run, and written to bench/results/forms-latest.json. Figures are
// printed, never asserted.
//
// Flags: --runs R (default 3), --messages N (default 1M), --rows a,b (row names below),
// --timeout SECONDS (per run, default 60), --cpu-prof DIR (each child writes a V8 CPU profile
// under DIR/<row>-<round>/; profiled figures are slower and are not written to the results
// file), --compare DIR (another build of the library, e.g. of the last commit: every row is
// measured with it too, as `<row>@before`, interleaved in the same rounds), --node NAME=PATH[,...]
// (other Node.js binaries: every row is measured under each too, as `<row>@NAME`, with its own
// nextBatch() as the base).
//
// After each round, bench/scripts/await-floor.js runs under each Node.js binary: the price of the
// empty promise protocol per record, with no consumer. The `for await` and `read()` rows print
// what they cost per record over their nextBatch() and how much of that is above this floor,
// the part the library can still take away.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliArgs } from './lib/args.js';
import { produceScenario } from './lib/produce.js';
import { fmt } from './lib/svg.js';
import { lastJsonLine, runTimed } from './lib/timed.js';

const here = dirname(fileURLToPath(import.meta.url));
const { startLocalKafka } = await import('../dist/rig/index.js');

const { value } = cliArgs();
const runs = Number(value('runs') ?? 3);
const messages = Number(value('messages') ?? 1_000_000);
const timeoutMs = Number(value('timeout') ?? 60) * 1000;
const profileDir = value('cpu-prof') === undefined ? undefined : resolve(value('cpu-prof'));
const compareDir = value('compare') === undefined ? undefined : resolve(value('compare'));
const SIZE = 100;
const TOPIC = 'forms-1p-100B';
/** The floor each per-record promise form cannot go below (a key of await-floor.js's JSON). */
const FLOOR_OF = { 'for-await': 'forAwait', read: 'awaitBuffer' };
const FLOOR_RECORDS = 2_000_000;

/** `base` is the row every ratio is taken against; `schemaOf` names the raw-bytes row of a schema row. */
const ROWS = [
  { name: 'nextBatch', form: 'nextBatch', schema: 'raw', label: '`await nextBatch()`', base: true },
  { name: 'pollBatch', form: 'pollBatch', schema: 'raw', label: '`await ready()` + `pollBatch()`' },
  { name: 'poll', form: 'poll', schema: 'raw', label: '`await ready()` + `poll()` per record' },
  { name: 'for-await', form: 'for-await', schema: 'raw', label: '`for await (const v of consumer)`' },
  { name: 'read', form: 'read', schema: 'raw', label: '`await read()`' },
  { name: 'run', form: 'run', schema: 'raw', label: '`run({ eachRecord })`, a sync handler' },
  { name: 'run-async', form: 'run-async', schema: 'raw', label: '`run({ eachRecord })`, an async handler' },
  { name: 'stream', form: 'stream', schema: 'raw', label: "`stream()`, `'data'` listener" },
  { name: 'stream-iter', form: 'stream-iter', schema: 'raw', label: '`for await (const v of stream())`' },
  {
    name: 'for-await-string',
    form: 'for-await',
    schema: 'string',
    label: '`for await`, SimpleStringSchema',
    schemaOf: 'for-await',
  },
  {
    name: 'for-await-json',
    form: 'for-await',
    schema: 'json',
    label: '`for await`, JsonSchema',
    schemaOf: 'for-await',
  },
];
const only = value('rows')?.split(',');
const current = ROWS.filter((r) => !only || only.includes(r.name) || r.base);
/** Each variant measures every row again under another build or another Node.js binary. */
const variants = [{ suffix: '' }];
if (compareDir !== undefined) variants.push({ suffix: '@before', dist: join(compareDir, 'index.js') });
for (const spec of value('node')?.split(',') ?? []) {
  const [label, path] = spec.split('=');
  if (!label || !path) throw new Error(`--node wants NAME=PATH, got ${spec}`);
  variants.push({ suffix: `@${label}`, node: resolve(path) });
}
const rows = current.flatMap((r) =>
  variants.map((v) =>
    v.suffix === ''
      ? r
      : {
          ...r,
          name: `${r.name}${v.suffix}`,
          base: false,
          baseName: `nextBatch${v.suffix}`,
          schemaOf: r.schemaOf && `${r.schemaOf}${v.suffix}`,
          dist: v.dist,
          node: v.node,
          nodeLabel: v.node && v.suffix.slice(1),
        },
  ),
);

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  otherNodes: Object.fromEntries(variants.filter((v) => v.node).map((v) => [v.suffix.slice(1), v.node])),
  shared: 'ZooKeeper, the broker and the consumer under test all run on this machine',
  loadAvgAtStart: loadavg(),
};
console.log(`machine: ${machine.cpus} x ${machine.cpuModel}, load ${loadText()}`);
console.log(`${messages} x ${SIZE} B JSON values, 1 partition, ${runs} round(s), ${rows.length} rows`);

const kafka = await startLocalKafka({ version: '0.8.2.2', topics: [{ name: TOPIC, partitions: 1 }] });
const perRow = new Map(rows.map((r) => [r.name, []]));
const loads = [];
/** The await-floor samples of each Node.js binary the rows run under (key: its label). */
const floors = new Map();
try {
  const p = await produceScenario({
    brokers: kafka.brokers,
    topic: TOPIC,
    partitions: 1,
    count: messages,
    size: SIZE,
    compression: 'none',
    valueFormat: 'json',
  });
  console.log(`produced in ${Math.round(p.ms)} ms`);
  for (let round = 0; round < runs; round++) {
    loads.push(loadavg()[0]);
    console.log(`\n-- round ${round + 1}/${runs}, load ${loadText()}`);
    const order = rows.map((_, i) => rows[(i + round) % rows.length]);
    for (const row of order) {
      const res = await runRow(row, round);
      perRow.get(row.name).push(res);
      console.log(`  ${row.name.padEnd(24)} ${describeRun(res)}`);
    }
    for (const [node, label] of new Map(
      rows.map((r) => [r.node ?? 'node', r.nodeLabel ?? process.version]),
    )) {
      const f = await measureFloor(node);
      if (typeof f === 'string') {
        // The rows' figures stand without it; the floor columns then use the other rounds.
        console.log(`  floor (${label}): not measured: ${f}`);
        continue;
      }
      if (!floors.has(label)) floors.set(label, []);
      floors.get(label).push(f);
      console.log(`  floor (${label}): ${describeFloor(f)}`);
    }
  }
} finally {
  await kafka.stop();
}

const results = rows.map((r) => summarize(r, perRow.get(r.name)));
for (const r of results) {
  const base = results.find((x) => x.name === (rows.find((y) => y.name === r.name)?.baseName ?? 'nextBatch'));
  r.vsNextBatch = ratio(r.msgsPerSec, base?.msgsPerSec);
  r.vsNextBatchPerRound = r.runs.map((x, i) => ratio(x.msgsPerSec, base?.runs[i]?.msgsPerSec));
  const raw = results.find((x) => x.name === rows.find((y) => y.name === r.name)?.schemaOf);
  if (raw?.msgsPerSec && r.msgsPerSec)
    r.extraNsPerRecord = Math.round(1e9 / r.msgsPerSec - 1e9 / raw.msgsPerSec);
  const row = rows.find((y) => y.name === r.name);
  const floorKey = FLOOR_OF[row.form];
  const samples = floors.get(row.nodeLabel ?? process.version) ?? [];
  if (row.schema === 'raw' && floorKey && base?.msgsPerSec && r.msgsPerSec && samples.length > 0) {
    r.overBaseNs = Math.round(1e9 / r.msgsPerSec - 1e9 / base.msgsPerSec);
    r.floorNs = Math.round(median(samples.map((f) => f[floorKey])));
    r.beyondFloorNs = r.overBaseNs - r.floorNs;
  }
}
machine.loadAvgAtEnd = loadavg();
if (profileDir === undefined) {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'forms-latest.json'),
    `${JSON.stringify({ date: new Date().toISOString(), messages, size: SIZE, runs, compare: compareDir ?? null, machine, roundLoads: loads, floors: Object.fromEntries(floors), results }, null, 2)}\n`,
  );
}
printTable();
process.exit(0);

async function runRow(row, round) {
  const prof =
    profileDir === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${row.name}-${round}`)}`];
  const options = { form: row.form, schema: row.schema, zookeeper: kafka.zookeeper, dist: row.dist };
  const r = await runTimed(
    row.node ?? 'node',
    [
      ...prof,
      join(here, 'clients', 'kafka08-forms.js'),
      kafka.brokers,
      TOPIC,
      '1',
      String(messages),
      JSON.stringify(options),
    ],
    { timeoutMs },
  );
  const line = lastJsonLine(r.stdout);
  const out = {
    complete: line?.complete === true,
    count: line?.count ?? 0,
    elapsedMs: line?.elapsedMs ?? r.wallMs,
    peakRssMb: r.time ? +r.time.peakRssMb.toFixed(1) : null,
    cpuSec: r.time ? +r.time.cpuSec.toFixed(2) : null,
    error: line ? line.error : `no result line (exit ${r.code ?? r.signal}): ${r.stderr.trim().slice(-300)}`,
  };
  out.msgsPerSec = out.complete ? Math.round(out.count / (out.elapsedMs / 1000)) : 0;
  // Lets the broker's and ZooKeeper's work for the last consumer (session close) settle.
  await new Promise((res) => setTimeout(res, 300));
  return out;
}

/** One round of await-floor.js under `node`: ns per record of each empty loop, or why not. */
async function measureFloor(node) {
  const r = await runTimed(
    node,
    [join(here, 'scripts', 'await-floor.js'), String(FLOOR_RECORDS), '1', '--json'],
    { timeoutMs },
  );
  const line = lastJsonLine(r.stdout);
  if (!line) return `no result (exit ${r.code ?? r.signal}): ${r.stderr.trim().slice(-300)}`;
  return { forAwait: line.forAwait[0], awaitBuffer: line.awaitBuffer[0], awaitObject: line.awaitObject[0] };
}

function signed(n) {
  return n < 0 ? String(n) : `+${n}`;
}

function describeFloor(f) {
  return `empty for await ${f.forAwait} ns/record, await Promise.resolve(Buffer) ${f.awaitBuffer}`;
}

function summarize(row, list) {
  const done = list.filter((x) => x.complete);
  return {
    name: row.name,
    form: row.form,
    schema: row.schema,
    label: row.label,
    status:
      done.length === list.length
        ? 'ok'
        : `ok in ${done.length} of ${list.length} runs: ${list.find((x) => !x.complete)?.error}`,
    msgsPerSec: done.length ? Math.round(median(done.map((x) => x.msgsPerSec))) : null,
    peakRssMb: median(list.map((x) => x.peakRssMb)),
    cpuSec: median(list.map((x) => x.cpuSec)),
    runs: list.map((x) => ({
      msgsPerSec: x.msgsPerSec,
      peakRssMb: x.peakRssMb,
      cpuSec: x.cpuSec,
      complete: x.complete,
    })),
  };
}

function describeRun(x) {
  const base = `${fmt(x.msgsPerSec).padStart(6)} msgs/s  rss ${x.peakRssMb} MiB  cpu ${x.cpuSec} s`;
  return x.complete ? base : `${base}  FAILED: ${x.error ?? ''}`.slice(0, 300);
}

function median(xs) {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function ratio(a, b) {
  return a && b ? +(a / b).toFixed(2) : null;
}

function loadText() {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function printTable() {
  console.log(
    `\n${'row'.padEnd(24)} ${'msgs/s'.padStart(8)} ${'vs nextBatch'.padStart(12)} ${'per round'.padStart(16)} ${'ns/rec'.padStart(7)} ${'+schema'.padStart(8)} ${'RSS MiB'.padStart(8)} ${'CPU s'.padStart(6)}  status`,
  );
  for (const r of results) {
    const ns = r.msgsPerSec ? String(Math.round(1e9 / r.msgsPerSec)) : '-';
    console.log(
      `${r.name.padEnd(24)} ${(r.msgsPerSec ? fmt(r.msgsPerSec) : '-').padStart(8)} ${String(r.vsNextBatch ?? '-').padStart(12)} ${r.vsNextBatchPerRound.join(' ').padStart(16)} ${ns.padStart(7)} ${(r.extraNsPerRecord === undefined ? '' : `+${r.extraNsPerRecord}`).padStart(8)} ${String(r.peakRssMb ?? '-').padStart(8)} ${String(r.cpuSec ?? '-').padStart(6)}  ${r.status}`,
    );
  }
  const floored = results.filter((r) => r.beyondFloorNs !== undefined);
  if (floored.length > 0) {
    console.log('\nper-record promise forms against the protocol floor (median ns per record):');
    for (const r of floored) {
      console.log(
        `  ${r.name.padEnd(22)} ${signed(r.overBaseNs)} over its nextBatch(), floor ${r.floorNs}, beyond the floor ${r.beyondFloorNs}`,
      );
    }
  }
  console.log(
    `load at start ${machine.loadAvgAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadText()}`,
  );
}
