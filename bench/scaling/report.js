// The markdown tables of bench/README.md's "How cost grows", from scaling-latest.json's shape.
import { median } from '../codec/medians.js';
import { fmt } from '../lib/svg.js';
import { CLIENTS, RSS_LIMIT_MIB } from './measure.js';

/**
 * Least-squares slope of median peak RSS over the partition count, per client, in KiB/partition,
 * over the rows with at least `from` partitions (from 8 leaves out the step from 1 to 8, where
 * the prefetch budget first fills, so the slope shows what each further partition costs).
 */
export function perPartitionKib(rows, from = 1) {
  const out = {};
  for (const c of CLIENTS) {
    const pts = rows
      .filter((r) => r.client === c.name && r.peakRssMb !== null && r.partitions >= from)
      .map((r) => [r.partitions, r.peakRssMb]);
    if (pts.length < 2) continue;
    const mx = pts.reduce((a, [x]) => a + x, 0) / pts.length;
    const my = pts.reduce((a, [, y]) => a + y, 0) / pts.length;
    const sxy = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
    const sxx = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
    out[c.name] = {
      kibPerPartition: +((sxy / sxx) * 1024).toFixed(1),
      interceptMib: +(my - (sxy / sxx) * mx).toFixed(1),
    };
  }
  return out;
}

const rss = (r) =>
  r?.maxPeakRssMb == null
    ? '-'
    : `${r.peakRssMb}${r.overLimit ? ` **max ${r.maxPeakRssMb}: over 150 MB**` : ''}`;
const ratio = (r, base) =>
  r?.msgsPerSec && base?.msgsPerSec ? (r.msgsPerSec / base.msgsPerSec).toFixed(2) : '-';
const rate = (r) =>
  r?.msgsPerSec ? `${fmt(r.msgsPerSec)}${r.status === 'ok' ? '' : ` (${r.status})`}` : '-';

function clientTable(rows, first, base, keyOf) {
  const head = [first, ...CLIENTS.flatMap((c) => [`${c.name} msgs/s`, 'vs ref', 'peak RSS MiB'])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const label of [...new Set(rows.map((r) => r.label))]) {
    const cells = [keyOf(rows.find((r) => r.label === label))];
    for (const c of CLIENTS) {
      const r = rows.find((x) => x.label === label && x.client === c.name);
      cells.push(rate(r), ratio(r, base(r, c)), rss(r));
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function markdown(out) {
  const parts = [];
  const find = (rows, label, client) => rows.find((r) => r.label === label && r.client === client);
  if (out.counts.length) {
    const ref = out.counts[0].label;
    parts.push(
      `Messages on 1 partition (ref = ${ref}):\n\n${clientTable(
        out.counts,
        'messages',
        (_r, c) => find(out.counts, ref, c.name),
        (r) => r.label,
      )}`,
    );
  }
  if (out.partitions.length) {
    parts.push(
      `Partitions on 1 broker (ref = 1p):\n\n${clientTable(
        out.partitions,
        'partitions',
        (_r, c) => find(out.partitions, '1p', c.name),
        (r) => r.partitions,
      )}`,
    );
    const slope = (fits) =>
      Object.entries(fits ?? {})
        .map(([c, s]) => `${c} ${s.kibPerPartition} KiB/partition (intercept ${s.interceptMib} MiB)`)
        .join(', ');
    parts.push(`Peak RSS slope over 1..256 partitions: ${slope(out.memoryPerPartitionKib)}`);
    parts.push(`Peak RSS slope over 8..256 partitions: ${slope(out.memoryPerPartitionKibFrom8)}`);
  }
  if (out.brokers.length) {
    const rows = [
      ...out.partitions
        .filter((r) => r.label === '1p' || r.label === '16p')
        .map((r) => ({ ...r, label: `1b-${r.label}`, brokers: 1 })),
      ...out.brokers,
    ].filter((r) => r.partitions > 1);
    const base = (r, c) =>
      r.brokers === 1 ? find(out.partitions, '1p', c.name) : find(out.brokers, `${r.brokers}b-1p`, c.name);
    parts.push(
      `Brokers (ref = 1 partition on the same rig):\n\n${clientTable(rows, 'brokers', base, (r) => `${r.brokers} (${r.partitions}p)`)}`,
    );
  }
  if (out.groupRate.length) {
    const one = out.groupRate.find((g) => g.size === 1);
    const lines = [
      '| members | msgs/s from go | steady msgs/s | steady vs 1 member | max peak RSS MiB per member |',
      '|---|---|---|---|---|',
    ];
    for (const g of out.groupRate) {
      const over = g.maxPeakRssMb > RSS_LIMIT_MIB ? ' **over 150 MB**' : '';
      const vs =
        one?.steadyMsgsPerSec && g.steadyMsgsPerSec
          ? (g.steadyMsgsPerSec / one.steadyMsgsPerSec).toFixed(2)
          : '-';
      lines.push(
        `| ${g.size} | ${g.msgsPerSec ? fmt(g.msgsPerSec) : '-'} | ${g.steadyMsgsPerSec ? fmt(g.steadyMsgsPerSec) : '-'} | ${vs} | ${g.maxPeakRssMb.toFixed(1)}${over} |`,
      );
    }
    parts.push(
      `KafkaSource groups over ${out.groupRate[0].partitions} partitions (${out.groupRate[0].total / 1e6}M x 100 B):\n\n${lines.join('\n')}`,
    );
  }
  if (out.rebalance.length) {
    const lines = [
      '| change | median ms | min-max ms | rounds | failed attempts (all rounds) |',
      '|---|---|---|---|---|',
    ];
    const keys = [...new Set(out.rebalance.map((c) => `${c.kind} ${c.from} -> ${c.to}`))];
    for (const k of keys) {
      const list = out.rebalance.filter((c) => `${c.kind} ${c.from} -> ${c.to}` === k);
      const ms = list.map((c) => c.ms).filter((v) => v !== null);
      const stalled = list.length - ms.length;
      lines.push(
        `| ${k} | ${ms.length ? median(ms) : '-'} | ${ms.length ? `${Math.min(...ms)}-${Math.max(...ms)}` : '-'} | ${ms.length}${stalled ? ` (+${stalled} stalled)` : ''} | ${list.reduce((a, c) => a + (c.failedAttempts ?? 0), 0)} |`,
      );
    }
    parts.push(
      `Rebalance (until every partition is owned and read again), max peak RSS of a member ${out.rebalanceMaxPeakRssMb?.toFixed(1)} MiB:\n\n${lines.join('\n')}`,
    );
  }
  parts.push(`Over 150 MB: ${out.overLimit.length ? out.overLimit.join('; ') : 'none'}`);
  return parts.join('\n\n');
}
