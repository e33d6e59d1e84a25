// Runs one bench/clients driver as a child process under GNU time (the same protocol and the same
// figures as bench/run.js: the driver's consuming time, peak RSS and CPU measured from outside),
// and folds the rounds of one row into medians.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../codec/medians.js';
import { fmt } from '../lib/svg.js';
import { lastJsonLine, runTimed } from '../lib/timed.js';

const clientsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'clients');

/** 150 MB, the issue's ceiling for every kafka08 form, in the MiB GNU time reports. */
export const RSS_LIMIT_MIB = 150e6 / 2 ** 20;

export const CLIENTS = [
  { name: 'kafka08', file: 'kafka08.js', ours: true },
  { name: 'kafka08-release', file: 'kafka08.js', ours: true, options: { releaseFrames: true } },
  { name: 'kafka08-consumer', file: 'kafka08-consumer.js', ours: true },
  { name: 'kcat', file: 'kcat.js', ours: false },
];

export async function runClient(client, { brokers, zookeeper, topic, partitions, count, timeoutMs }) {
  const options = { ...(client.options ?? {}), zookeeper, timeoutMs };
  const r = await runTimed(
    'node',
    [
      join(clientsDir, client.file),
      brokers,
      topic,
      String(partitions),
      String(count),
      JSON.stringify(options),
    ],
    { timeoutMs },
  );
  const line = lastJsonLine(r.stdout);
  const measured = line?.child ?? r.time;
  const elapsedMs = line?.elapsedMs ?? r.wallMs;
  const got = line?.count ?? 0;
  return {
    complete: line?.complete === true,
    count: got,
    msgsPerSec: got > 0 && elapsedMs > 0 ? Math.round(got / (elapsedMs / 1000)) : 0,
    peakRssMb: measured ? +measured.peakRssMb.toFixed(1) : null,
    cpuSec: measured ? +measured.cpuSec.toFixed(2) : null,
    ...(line?.error || !line
      ? {
          error: line?.error ?? `no result line (exit ${r.code ?? r.signal}): ${r.stderr.trim().slice(-300)}`,
        }
      : {}),
  };
}

export function describeRun(client, x) {
  const over = client.ours && x.peakRssMb > RSS_LIMIT_MIB ? '  OVER 150 MB' : '';
  const base = `${fmt(x.msgsPerSec).padStart(6)} msgs/s  rss ${x.peakRssMb} MiB  cpu ${x.cpuSec} s${over}`;
  return x.complete ? base : `${base}  ${x.count > 0 ? `PARTIAL ${x.count}` : 'FAILED'}: ${x.error ?? ''}`;
}

/** Medians over the complete rounds of one row; the largest peak RSS is kept too (the limit is on it). */
export function summarize(row, client, runs) {
  const done = runs.filter((x) => x.complete);
  const used = done.length > 0 ? done : runs;
  const rss = used.map((x) => x.peakRssMb).filter((v) => v !== null);
  return {
    ...row,
    client: client.name,
    status: done.length === runs.length ? 'ok' : `complete in ${done.length} of ${runs.length} rounds`,
    msgsPerSec: used.length ? median(used.map((x) => x.msgsPerSec)) : null,
    peakRssMb: rss.length ? median(rss) : null,
    maxPeakRssMb: rss.length ? Math.max(...rss) : null,
    cpuSec: used.length ? median(used.map((x) => x.cpuSec ?? 0)) : null,
    overLimit: client.ours && rss.some((v) => v > RSS_LIMIT_MIB),
    runs,
  };
}
