// Consumer throughput benchmark (`npm run bench`, or `node bench/run.js --quick`): every client
// reads the SAME topic of the SAME local Kafka 0.8.2.2 broker(s), in the same run, interleaved
// (each round visits every scenario of a rig, and the client order rotates each round), each
// as its own child process measured from outside (GNU
// time: peak RSS and user+system CPU). Medians of the rounds are printed as a table and written
// to bench/results/latest.json (+ latest-meta.json, latest.svg).
//
// Flags: --quick (200k messages, 1 round), --runs N, --scenarios a,b, --clients a,b,
// --no-latency, --timeout SECONDS (per client run, default 60; partial progress is reported).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliArgs } from './lib/args.js';
import { produceScenario } from './lib/produce.js';
import { CLIENTS, scenarios } from './lib/scenarios.js';
import { barChartSvg, fmt } from './lib/svg.js';
import { lastJsonLine, runTimed } from './lib/timed.js';

const here = dirname(fileURLToPath(import.meta.url));
const { startLocalKafka } = await import('../dist/rig/index.js');

const { flag, value } = cliArgs();
const quick = flag('quick');
const runs = Number(value('runs') ?? (quick ? 1 : 5));
const timeoutMs = Number(value('timeout') ?? (quick ? 30 : 60)) * 1000;
const onlyScenarios = value('scenarios')?.split(',');
const onlyClients = value('clients')?.split(',');
const SCENARIOS = scenarios(quick).filter((s) => !onlyScenarios || onlyScenarios.includes(s.name));
const clients = CLIENTS.filter((c) => !onlyClients || onlyClients.includes(c.name));

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  shared: 'ZooKeeper, the broker(s) and the consumer under test all run on this machine',
  loadAvgAtStart: loadavg(),
};
console.log(
  `machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memGb} GB, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const unavailable = new Map(clients.map((c) => [c.name, availability(c)]).filter(([, v]) => v));
for (const [name, why] of unavailable) console.log(`${name}: ${why}`);

const results = [];
const produced = [];
let latency = null;
const byBrokers = new Map();
for (const s of SCENARIOS) byBrokers.set(s.brokers, [...(byBrokers.get(s.brokers) ?? []), s]);
for (const [brokerCount, list] of byBrokers) {
  const topics = list.map((s) => ({ name: `bench-${s.name}`, partitions: s.partitions }));
  const t0 = Date.now();
  const kafka = await startLocalKafka({
    brokers: brokerCount,
    topics: [...topics, { name: 'bench-latency', partitions: 1 }],
  });
  console.log(`\n${brokerCount} broker(s) up in ${Date.now() - t0} ms: ${kafka.brokers}`);
  try {
    const classpath = kafka.descriptor().classpath;
    for (const s of list) {
      const p = await produceScenario({ ...s, brokers: kafka.brokers, topic: `bench-${s.name}` });
      produced.push({ scenario: s.name, ms: Math.round(p.ms), wireMb: +(p.wireBytes / 1e6).toFixed(1) });
      console.log(
        `== ${s.name}: ${s.count} x ${s.size} B, ${s.partitions} partition(s), ${s.compression}, ${brokerCount} broker(s); produced in ${Math.round(p.ms)} ms`,
      );
    }
    // Rounds outermost: a slow spell of the shared machine then costs one round of several
    // scenarios, which the medians drop, instead of every round of one scenario.
    const perRun = new Map(list.map((s) => [s.name, new Map(clients.map((c) => [c.name, []]))]));
    for (let r = 0; r < runs; r++) {
      for (const s of list) {
        console.log(`\n-- round ${r + 1}/${runs}: ${s.name}`);
        const order = clients.map((_, i) => clients[(i + r) % clients.length]);
        for (const c of order) {
          if (unavailable.has(c.name)) continue;
          const res = await runClient(c, s, `bench-${s.name}`, kafka, classpath);
          perRun.get(s.name).get(c.name).push(res);
          console.log(`  [${r + 1}/${runs}] ${c.name.padEnd(19)} ${describeRun(res)}`);
        }
      }
    }
    for (const s of list)
      for (const c of clients) results.push(summarize(s, c, perRun.get(s.name).get(c.name)));
    if (list.some((s) => s.name === '1p-100B') && !flag('no-latency')) latency = await measureLatency(kafka);
  } finally {
    await kafka.stop();
  }
}

machine.loadAvgAtEnd = loadavg();
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
const meta = {
  date: new Date().toISOString(),
  quick,
  runs,
  timeoutMs,
  machine,
  produced,
  latency,
  targets: targets(),
};
writeFileSync(join(outDir, 'latest-meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
writeFileSync(
  join(outDir, 'latest.svg'),
  barChartSvg(results, {
    scenarios: SCENARIOS.map((s) => s.name),
    clients: clients.map((c) => c.name),
    title: `Consumer throughput vs Kafka 0.8.2.2 (${machine.cpus} cores shared with broker${quick ? ', quick' : ''})`,
  }),
);
printTable();
process.exit(0);

function availability(c) {
  if (c.bin && spawnOk(c.bin) === false) return `not installed (${c.bin} not on PATH)`;
  if (!c.peer) return null;
  const statusFile = join(here, 'peers', 'install-status.json');
  if (existsSync(statusFile)) {
    const st = JSON.parse(readFileSync(statusFile, 'utf8'))[c.peer];
    if (st && !st.ok) return `failed to install: ${st.reason}`;
  }
  if (!existsSync(join(here, 'peers', 'node_modules', c.peer, 'package.json')))
    return 'not installed (run `npm run bench:setup`)';
  return null;
}

function spawnOk(bin) {
  return (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, bin)));
}

async function runClient(c, s, topic, kafka, classpath) {
  const options = {
    ...(c.options ?? {}),
    zookeeper: kafka.zookeeper,
    classpath,
    timeoutMs: timeoutMs + 10_000,
  };
  const r = await runTimed(
    'node',
    [
      join(here, 'clients', c.file),
      kafka.brokers,
      topic,
      String(s.partitions),
      String(s.count),
      JSON.stringify(options),
    ],
    { timeoutMs },
  );
  const line = lastJsonLine(r.stdout);
  const measured = line?.child ?? r.time;
  const out = {
    complete: line?.complete === true,
    count: line?.count ?? 0,
    elapsedMs: line?.elapsedMs ?? r.wallMs,
    peakRssMb: measured ? +measured.peakRssMb.toFixed(1) : null,
    cpuSec: measured ? +measured.cpuSec.toFixed(2) : null,
    error: line ? line.error : `no result line (exit ${r.code ?? r.signal}): ${r.stderr.trim().slice(-300)}`,
  };
  out.msgsPerSec = out.count > 0 && out.elapsedMs > 0 ? Math.round(out.count / (out.elapsedMs / 1000)) : 0;
  await new Promise((res) => setTimeout(res, 300));
  return out;
}

function describeRun(x) {
  const base = `${fmt(x.msgsPerSec).padStart(6)} msgs/s  rss ${x.peakRssMb} MiB  cpu ${x.cpuSec} s`;
  if (x.complete) return base;
  return `${base}  ${x.count > 0 ? `PARTIAL ${x.count}` : 'FAILED'}: ${x.error ?? ''}`.slice(0, 300);
}

function median(xs) {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function round(v, digits) {
  return v === null ? null : +v.toFixed(digits);
}

function summarize(s, c, list) {
  const row = {
    scenario: s.name,
    client: c.name,
    msgsPerSec: null,
    mbPerSec: null,
    peakRssMb: null,
    cpuSec: null,
    runs: [],
  };
  const why = unavailable.get(c.name);
  if (why) return { ...row, status: why };
  row.runs = list.map((x) => ({
    msgsPerSec: x.msgsPerSec,
    peakRssMb: x.peakRssMb,
    cpuSec: x.cpuSec,
    complete: x.complete,
    ...(x.error ? { error: x.error } : {}),
  }));
  const done = list.filter((x) => x.complete);
  if (done.length === 0) {
    const partial = list.filter((x) => x.count > 0);
    if (partial.length === 0) return { ...row, status: `failed: ${list[0]?.error ?? 'no run'}` };
    // A peer too slow for the time limit still gets its partial rate, marked as such.
    row.status = `partial: timed out after ${Math.round(median(partial.map((x) => x.count)))} of ${s.count} messages`;
    row.msgsPerSec = Math.round(median(partial.map((x) => x.msgsPerSec)));
  } else {
    row.status = done.length === list.length ? 'ok' : `ok in ${done.length} of ${list.length} runs`;
    row.msgsPerSec = Math.round(median(done.map((x) => x.msgsPerSec)));
  }
  const used = done.length ? done : list;
  row.mbPerSec = +((row.msgsPerSec * s.size) / 1e6).toFixed(1);
  row.peakRssMb = round(median(used.map((x) => x.peakRssMb)), 1);
  row.cpuSec = round(median(used.map((x) => x.cpuSec)), 2);
  return row;
}

async function measureLatency(kafka) {
  const r = await runTimed(
    'node',
    [join(here, 'clients', 'kafka08-latency.js'), kafka.brokers, 'bench-latency', '5000', '2'],
    {
      timeoutMs: 130_000,
    },
  );
  const line = lastJsonLine(r.stdout);
  console.log(`  latency (kafka08, 500 msgs/s, produce -> delivered): ${JSON.stringify(line)}`);
  return line;
}

/** The issue's targets, for the engine and for the public consumer class. */
function targets() {
  const out = {};
  for (const client of ['kafka08', 'kafka08-consumer']) {
    const get = (sc) => results.find((r) => r.scenario === sc && r.client === client);
    const p1 = get('1p-100B');
    const ratio = (sc) =>
      p1?.msgsPerSec && get(sc)?.msgsPerSec ? +(get(sc).msgsPerSec / p1.msgsPerSec).toFixed(2) : null;
    const rss = results.filter((r) => r.client === client && r.peakRssMb).map((r) => r.peakRssMb);
    out[client] = {
      '1p-100B >= 2.5M msgs/s': p1?.msgsPerSec ?? null,
      'peak RSS in MiB, max over scenarios (150 MB = 143 MiB)': rss.length > 0 ? Math.max(...rss) : null,
      '8p-100B / 1p-100B >= 0.9': ratio('8p-100B'),
      '3brokers-8p / 1p-100B >= 0.9': ratio('3brokers-8p'),
    };
  }
  return out;
}

function printTable() {
  console.log(
    `\n${'scenario'.padEnd(12)} ${'client'.padEnd(19)} ${'msgs/s'.padStart(9)} ${'MB/s'.padStart(7)} ${'RSS MiB'.padStart(7)} ${'CPU s'.padStart(6)}  ${'vs jvm'.padStart(6)}  status`,
  );
  for (const r of results) {
    const jvm = results.find((x) => x.scenario === r.scenario && x.client === 'jvm')?.msgsPerSec;
    const vs = r.msgsPerSec && jvm ? (r.msgsPerSec / jvm).toFixed(2) : '';
    console.log(
      `${r.scenario.padEnd(12)} ${r.client.padEnd(19)} ${(r.msgsPerSec ? fmt(r.msgsPerSec) : '-').padStart(9)} ${String(r.mbPerSec ?? '-').padStart(7)} ${String(r.peakRssMb ?? '-').padStart(7)} ${String(r.cpuSec ?? '-').padStart(6)}  ${vs.padStart(6)}  ${r.status.slice(0, 90)}`,
    );
  }
  if (latency)
    console.log(
      `\nkafka08 end-to-end latency at ${latency.ratePerSec} msgs/s: p50 ${latency.p50Ms?.toFixed(2)} ms, p99 ${latency.p99Ms?.toFixed(2)} ms (${latency.samples} samples)`,
    );
  for (const [client, t] of Object.entries(targets())) console.log(`targets (${client}):`, JSON.stringify(t));
}
