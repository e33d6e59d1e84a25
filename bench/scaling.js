// How cost grows (`npm run bench:scaling`, or `node bench/scaling.js --quick`): kafka08's
// FetchEngine and consumer class (with kcat as the peer in the same run) over
//   - more messages on one partition (1M..10M x 100 B; reads of the first N of one 10M topic),
//   - more partitions on one broker (1M x 100 B spread over 1..256 partitions),
//   - more brokers (16 partitions on 1, 3 and 5 brokers; each rig also reads a 1-partition topic,
//     so the ratio is taken against a figure measured on the same rig in the same rounds),
// and KafkaSource groups of 1..8 member processes over 32 partitions: aggregate rate, and the
// time a member joining or leaving keeps the group from reading (bench/scaling/group.js).
// Every run is a child process measured from outside (GNU time). Rounds are outermost and the
// client order rotates each round; figures are medians. Data is written once per topic.
//
// Flags: --quick (smaller counts, 1 round: a few minutes), --runs N, --group-runs N,
// --only counts,partitions,brokers,group-rate,rebalance, --timeout SECONDS (per client run).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './codec/medians.js';
import { cliArgs } from './lib/args.js';
import { produceScenario } from './lib/produce.js';
import { barChartSvg } from './lib/svg.js';
import { PARTITIONS as GROUP_PARTITIONS, groupRate, rebalanceSeries, startTrickle } from './scaling/group.js';
import { CLIENTS, describeRun, RSS_LIMIT_MIB, runClient, summarize } from './scaling/measure.js';
import { markdown, perPartitionKib } from './scaling/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const { startLocalKafka } = await import('../dist/rig/index.js');

const { flag, value } = cliArgs();
const quick = flag('quick');
const M = 1_000_000;
const runs = Number(value('runs') ?? (quick ? 1 : 5));
const groupRuns = Number(value('group-runs') ?? (quick ? 1 : 3));
const timeoutMs = Number(value('timeout') ?? 120) * 1000;
const only = value('only')?.split(',');
const wants = (part) => !only || only.includes(part);
const COUNTS = quick ? [M / 4, M / 2, M, 2 * M] : [M, 2 * M, 5 * M, 10 * M];
const PER_PARTITIONS = quick ? M / 2 : M;
const BROKER_PARTITIONS = 16;
const PARTITION_COUNTS = [1, 8, BROKER_PARTITIONS, 64, 256];
const GROUP_SIZES = [1, 2, 4, 8];
const GROUP_TOTAL = quick ? M : 4 * M;
const SIZE = 100;

const log = (s) => console.log(s);
const load = () => loadavg().map((l) => +l.toFixed(2));
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadAvgAtStart: load(),
};
log(`machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memGb} GB, load ${load().join(' ')}`);

const out = {
  date: new Date().toISOString(),
  quick,
  runs,
  groupRuns,
  machine,
  rssLimitMib: +RSS_LIMIT_MIB.toFixed(1),
  produced: [],
  counts: [],
  partitions: [],
  brokers: [],
  groupRate: [],
  rebalance: [],
};

// One case = one topic read by every client: { table, label, topic, partitions, count, brokers }.
const rigA = [];
if (wants('counts'))
  for (const count of COUNTS)
    rigA.push({
      table: 'counts',
      label: `${count / M}M`,
      topic: 'sc-count',
      partitions: 1,
      count,
      brokers: 1,
    });
if (wants('partitions'))
  for (const p of PARTITION_COUNTS)
    rigA.push({
      table: 'partitions',
      label: `${p}p`,
      topic: `sc-p${p}`,
      partitions: p,
      count: PER_PARTITIONS,
      brokers: 1,
    });
const groups = wants('group-rate') || wants('rebalance');

if (rigA.length || groups) {
  const topics = topicsOf(rigA, Math.max(...COUNTS));
  if (groups) topics.push({ name: 'sc-group', partitions: GROUP_PARTITIONS, count: GROUP_TOTAL });
  if (wants('rebalance')) topics.push({ name: 'sc-live', partitions: GROUP_PARTITIONS, count: 0 });
  await withRig(1, topics, async (kafka) => {
    await runCases(kafka, rigA);
    if (wants('group-rate')) await runGroupRate(kafka);
    if (wants('rebalance')) await runRebalance(kafka);
  });
}
// The 1-broker figures are the partitions table's 1p and 16p rows (same rig as the other 1-broker rows).
if (wants('brokers')) {
  for (const brokers of [3, 5]) {
    const cases = [
      {
        table: 'brokers',
        label: `${brokers}b-1p`,
        topic: 'sc-b1',
        partitions: 1,
        count: PER_PARTITIONS,
        brokers,
      },
      {
        table: 'brokers',
        label: `${brokers}b-${BROKER_PARTITIONS}p`,
        topic: `sc-b${BROKER_PARTITIONS}`,
        partitions: BROKER_PARTITIONS,
        count: PER_PARTITIONS,
        brokers,
      },
    ];
    await withRig(brokers, topicsOf(cases), (kafka) => runCases(kafka, cases));
  }
}

machine.loadAvgAtEnd = load();
out.memoryPerPartitionKib = perPartitionKib(out.partitions);
out.memoryPerPartitionKibFrom8 = perPartitionKib(out.partitions, 8);
out.overLimit = [...out.counts, ...out.partitions, ...out.brokers]
  .filter((r) => r.overLimit)
  .map((r) => `${r.table} ${r.label} ${r.client}: ${r.maxPeakRssMb} MiB`);
for (const g of out.groupRate)
  if (g.maxPeakRssMb > RSS_LIMIT_MIB) out.overLimit.push(`group of ${g.size}: ${g.maxPeakRssMb} MiB`);
if (out.rebalanceMaxPeakRssMb > RSS_LIMIT_MIB)
  out.overLimit.push(`rebalance members: ${out.rebalanceMaxPeakRssMb} MiB`);

const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'scaling-latest.json'), `${JSON.stringify(out, null, 2)}\n`);
const chart = (rows, title) =>
  barChartSvg(
    rows.map((r) => ({ ...r, scenario: r.label })),
    {
      scenarios: [...new Set(rows.map((r) => r.label))],
      clients: CLIENTS.map((c) => c.name),
      title,
    },
  );
if (out.counts.length)
  writeFileSync(join(resultsDir, 'scaling-counts.svg'), chart(out.counts, 'Messages on 1 partition (100 B)'));
if (out.partitions.length || out.brokers.length)
  writeFileSync(
    join(resultsDir, 'scaling-partitions.svg'),
    chart([...out.partitions, ...out.brokers], `${PER_PARTITIONS / M}M x 100 B over partitions and brokers`),
  );
log(`\nload at end ${machine.loadAvgAtEnd.join(' ')}\n`);
log(markdown(out));
process.exit(0);

function topicsOf(cases, countOverride) {
  const byName = new Map();
  for (const c of cases) {
    const count = c.topic === 'sc-count' ? countOverride : c.count;
    byName.set(c.topic, { name: c.topic, partitions: c.partitions, count });
  }
  return [...byName.values()];
}

async function withRig(brokers, topics, body) {
  const t0 = Date.now();
  const kafka = await startLocalKafka({
    brokers,
    topics: topics.map(({ name, partitions }) => ({ name, partitions })),
  });
  log(`\n${brokers} broker(s) up in ${Date.now() - t0} ms, load ${load().join(' ')}`);
  try {
    for (const t of topics) {
      if (t.count === 0) continue;
      const p = await produceScenario({
        brokers: kafka.brokers,
        topic: t.name,
        partitions: t.partitions,
        count: t.count,
        size: SIZE,
        compression: 'none',
      });
      out.produced.push({
        brokers,
        topic: t.name,
        partitions: t.partitions,
        count: t.count,
        ms: Math.round(p.ms),
      });
      log(
        `produced ${t.name}: ${t.count} x ${SIZE} B over ${t.partitions} partition(s) in ${Math.round(p.ms)} ms`,
      );
    }
    await body(kafka);
  } finally {
    await kafka.stop();
  }
}

async function runCases(kafka, cases) {
  if (!cases.length) return;
  const perRun = new Map(cases.map((c) => [c, new Map(CLIENTS.map((x) => [x.name, []]))]));
  for (let r = 0; r < runs; r++) {
    log(`\n-- round ${r + 1}/${runs} on ${cases[0].brokers} broker(s), load ${load().join(' ')}`);
    for (const c of cases) {
      const order = CLIENTS.map((_, i) => CLIENTS[(i + r) % CLIENTS.length]);
      for (const client of order) {
        const res = await runClient(client, {
          ...c,
          brokers: kafka.brokers,
          zookeeper: kafka.zookeeper,
          timeoutMs,
        });
        perRun.get(c).get(client.name).push(res);
        log(`  ${c.label.padEnd(8)} ${client.name.padEnd(17)} ${describeRun(client, res)}`);
        await new Promise((res) => setTimeout(res, 300));
      }
    }
  }
  for (const c of cases) {
    const { topic: _t, ...row } = c;
    for (const client of CLIENTS) out[c.table].push(summarize(row, client, perRun.get(c).get(client.name)));
  }
}

async function runGroupRate(kafka) {
  const perSize = new Map(GROUP_SIZES.map((s) => [s, []]));
  for (let r = 0; r < groupRuns; r++) {
    log(`\n-- group rate round ${r + 1}/${groupRuns}, load ${load().join(' ')}`);
    const order = GROUP_SIZES.map((_, i) => GROUP_SIZES[(i + r) % GROUP_SIZES.length]);
    for (const size of order) {
      const res = await groupRate({
        zookeeper: kafka.zookeeper,
        topic: 'sc-group',
        total: GROUP_TOTAL,
        size,
        tag: `${size}-${r}`,
        timeoutMs,
      });
      perSize.get(size).push(res);
      log(
        `  ${size} member(s): ${res.complete ? `${res.msgsPerSec} msgs/s from go, ${res.steadyMsgsPerSec} steady` : `FAILED ${res.error}`}, max peak RSS ${res.peakRssMb?.toFixed(1)} MiB`,
      );
    }
  }
  for (const [size, list] of perSize) {
    const done = list.filter((x) => x.complete);
    out.groupRate.push({
      size,
      partitions: GROUP_PARTITIONS,
      total: GROUP_TOTAL,
      status: done.length === list.length ? 'ok' : `complete in ${done.length} of ${list.length} rounds`,
      msgsPerSec: done.length ? median(done.map((x) => x.msgsPerSec)) : null,
      steadyMsgsPerSec: done.length ? median(done.map((x) => x.steadyMsgsPerSec ?? 0)) : null,
      maxPeakRssMb: Math.max(...list.map((x) => x.peakRssMb ?? 0)),
      runs: list,
    });
  }
}

async function runRebalance(kafka) {
  const trickle = startTrickle({ brokers: kafka.brokers, topic: 'sc-live' });
  let peak = 0;
  try {
    for (let r = 0; r < groupRuns; r++) {
      log(`\n-- rebalance round ${r + 1}/${groupRuns}, load ${load().join(' ')}`);
      const changes = await rebalanceSeries({
        zookeeper: kafka.zookeeper,
        topic: 'sc-live',
        maxSize: Math.max(...GROUP_SIZES),
        tag: String(r),
        timeoutMs,
        log,
      });
      peak = Math.max(peak, changes.peakRssMb);
      for (const c of changes) out.rebalance.push({ round: r, ...c });
    }
  } finally {
    log(`  trickle wrote ${await trickle.stop()} records`);
  }
  out.rebalanceMaxPeakRssMb = peak;
}
