import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Compression, RigRecord } from '../../src/rig/index.js';
import { reportFigures, scaled, seeded } from '../faults/results.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

// Crash loop: test/faults/checkpoint-child.mjs (runCheckpointed over FlinkKafkaConsumer082) is
// SIGKILLed at seeded random positions in the stream and restarted each time, over 4
// partitions, one per codec, values of 10 bytes to 10 KB written by Kafka's own JVM producer.
// The sink (the FileCheckpointStore's state, or rows in PostgreSQL written with each
// checkpoint) must end with every record exactly once.

const ROOT = join(import.meta.dirname, '..', '..');
const CHILD = join(ROOT, 'test', 'faults', 'checkpoint-child.mjs');
const MESSAGES = scaled(200_000, 1_000_000);
const KILLS = scaled(15, 50);
const CODECS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4'];
const PER_PARTITION = MESSAGES / CODECS.length;
const k = () => sharedCluster('0.8.2.2');

function pgUrl(): string {
  const d = inject('postgres');
  if (!d) throw new Error('no PostgreSQL: run with the vitest "integration" project (globalSetup)');
  return `postgres://${d.user}@${d.host}:${d.port}/${d.database}`;
}

/** Mostly small values, 2 % up to 10 KB: the whole range without gigabytes of test data. */
function value(partition: number, seq: number, rng: () => number): string {
  const size = rng() < 0.02 ? 100 + Math.floor(rng() * 10_140) : 10 + Math.floor(rng() * 90);
  const head = `${partition}:${seq}:`;
  return head + 'v'.repeat(Math.max(0, size - head.length));
}

async function produceAll(topic: string): Promise<void> {
  const rng = seeded(0xc0dec);
  const CHUNK = 25_000;
  for (const [partition, compression] of CODECS.entries()) {
    for (let from = 0; from < PER_PARTITION; from += CHUNK) {
      const records: RigRecord[] = [];
      for (let seq = from; seq < Math.min(PER_PARTITION, from + CHUNK); seq++)
        records.push({ partition, value: value(partition, seq, rng) });
      await k().produce(topic, records, { compression });
    }
    await k().produce(topic, [{ partition, value: 'END' }], { compression });
  }
}

interface ChildRun {
  child: ChildProcess;
  /** Resolves with how the process ended and its last stdout line. */
  done: Promise<{ signal: NodeJS.Signals | null; code: number | null; last: string; stderr: string }>;
  /** Highest "P n" progress seen. */
  progress: () => number;
  /** Resolves at the first progress line. */
  firstProgress: Promise<void>;
}

function startChild(args: string[]): ChildRun {
  const child = spawn(process.execPath, [CHILD, ...args], {
    cwd: ROOT,
    env: { ...process.env, KAFKA08_BROKERS: k().brokers, KAFKA08_ZOOKEEPER: k().zookeeper },
  });
  let progress = 0;
  let last = '';
  let stderr = '';
  let buffered = '';
  let onFirst: () => void = () => undefined;
  const firstProgress = new Promise<void>((r) => {
    onFirst = r;
  });
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('P ')) {
        progress = Math.max(progress, Number(line.slice(2)));
        onFirst();
      } else if (line !== '') last = line;
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // Bounded: no run may take longer than this, whatever happens.
  const guard = setTimeout(() => child.kill('SIGKILL'), 600_000);
  const done = new Promise<{
    signal: NodeJS.Signals | null;
    code: number | null;
    last: string;
    stderr: string;
  }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      onFirst();
      resolve({ signal, code, last, stderr });
    }),
  );
  return { child, done, progress: () => progress, firstProgress };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LoopFigures {
  kills: number;
  worstRecoveryMs: number;
  final: { next: Record<string, number>; lost: number; duplicated: number; processed: number };
  peakChildRss: number;
}

/** Kills the child at KILLS seeded positions of the stream, then lets the last run finish. */
async function crashLoop(args: string[], seed: number): Promise<LoopFigures> {
  const rng = seeded(seed);
  const targets = Array.from({ length: KILLS }, () => Math.floor((0.02 + 0.96 * rng()) * MESSAGES)).sort(
    (a, b) => a - b,
  );
  let kills = 0;
  let worstRecoveryMs = 0;
  let peakChildRss = 0;
  let killedAt: number | undefined;
  for (const target of targets) {
    const run = startChild(args);
    await run.firstProgress;
    if (killedAt !== undefined) worstRecoveryMs = Math.max(worstRecoveryMs, Date.now() - killedAt);
    while (run.progress() < target && run.child.exitCode === null) await sleep(2);
    await sleep(Math.floor(rng() * 40));
    peakChildRss = Math.max(peakChildRss, rssOf(run.child.pid));
    run.child.kill('SIGKILL');
    killedAt = Date.now();
    const end = await run.done;
    expect(end.signal, `run ${kills + 1} ended before its kill: ${end.stderr}`).toBe('SIGKILL');
    kills++;
  }
  const last = startChild(args);
  await last.firstProgress;
  if (killedAt !== undefined) worstRecoveryMs = Math.max(worstRecoveryMs, Date.now() - killedAt);
  const end = await last.done;
  expect(end.code, end.stderr).toBe(0);
  return { kills, worstRecoveryMs, final: JSON.parse(end.last) as LoopFigures['final'], peakChildRss };
}

function rssOf(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

const dirs: string[] = [];
const clients: pg.Client[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await Promise.all(clients.map((c) => c.end()));
});

describe(`crash loop: ${KILLS} SIGKILLs over ${MESSAGES} records, 4 codecs`, () => {
  let topic = '';
  const expectedNext = () => Object.fromEntries(CODECS.map((_, p) => [String(p), PER_PARTITION]));

  it('file sink (FileCheckpointStore state): every record exactly once', async () => {
    topic = uniqueTopic('faults-crash');
    await k().createTopic({ name: topic, partitions: CODECS.length });
    await produceAll(topic);
    const dir = mkdtempSync(join(tmpdir(), 'kafka08-crash-'));
    dirs.push(dir);
    const f = await crashLoop([topic, '--sink', 'file', '--dir', dir, '--every', '997'], 0xf11e);
    reportFigures('crash-loop-file', {
      fault: 'SIGKILL of a checkpointed consumer (file sink)',
      count: f.kills,
      records: MESSAGES,
      lost: f.final.lost + (MESSAGES - Object.values(f.final.next).reduce((a, b) => a + b, 0)),
      duplicated: f.final.duplicated,
      worstRecoveryMs: f.worstRecoveryMs,
      peakMemoryBytes: f.peakChildRss,
      notes: 'recovery: kill to the restarted process passing its first 500-record mark',
    });
    expect(f.kills).toBe(KILLS);
    expect(f.final.lost).toBe(0);
    expect(f.final.duplicated).toBe(0);
    expect(f.final.next).toEqual(expectedNext());
    expect(f.final.processed).toBe(MESSAGES);
  }, 1_800_000);

  it('PostgreSQL sink (rows written with each checkpoint): every record exactly once', async () => {
    expect(topic, 'the file-sink test produced the topic').not.toBe('');
    const url = pgUrl();
    const f = await crashLoop([topic, '--sink', 'pg', '--pg', url, '--every', '1009'], 0x9e57);
    const db = new pg.Client(url);
    clients.push(db);
    await db.connect();
    const q = await db.query(
      `SELECT count(*)::int AS total, count(DISTINCT (p, seq))::int AS distinct_rows FROM faults_rows WHERE job = $1`,
      [topic],
    );
    const { total, distinct_rows: distinct } = q.rows[0] as { total: number; distinct_rows: number };
    reportFigures('crash-loop-pg', {
      fault: 'SIGKILL of a checkpointed consumer (PostgreSQL sink)',
      count: f.kills,
      records: MESSAGES,
      lost: MESSAGES - distinct,
      duplicated: total - distinct,
      worstRecoveryMs: f.worstRecoveryMs,
      peakMemoryBytes: f.peakChildRss,
      notes: 'lost and duplicated counted from the rows in PostgreSQL',
    });
    expect(f.kills).toBe(KILLS);
    expect(total).toBe(MESSAGES);
    expect(distinct).toBe(MESSAGES);
    expect(f.final.lost).toBe(0);
    expect(f.final.duplicated).toBe(0);
    expect(f.final.next).toEqual(expectedNext());
  }, 1_800_000);
});
