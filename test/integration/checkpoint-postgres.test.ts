import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

// examples/checkpoint-postgres.mjs writes word counts and the consumer's offsets in one
// PostgreSQL transaction per checkpoint. Killed at any moment (an exit mid-run, then SIGKILLs at
// seeded random times) and restarted, the table ends with every record counted exactly once.

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'checkpoint-postgres.mjs');
const k = () => sharedCluster('0.8.2.2');

function pgUrl(): string {
  const d = inject('postgres');
  if (!d) throw new Error('no PostgreSQL: run with the vitest "integration" project (globalSetup)');
  return `postgres://${d.user}@${d.host}:${d.port}/${d.database}`;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the example; SIGKILL once `killWhen` resolves (unless it finished first). */
function runExample(args: string[], killWhen?: Promise<unknown>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXAMPLE, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA08_BROKERS: k().brokers,
        KAFKA08_ZOOKEEPER: k().zookeeper,
        KAFKA08_PG: pgUrl(),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    void killWhen?.then(() => child.kill('SIGKILL'));
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const clients: pg.Client[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end()));
});

describe('checkpoint-postgres.mjs: exactly-once into PostgreSQL', () => {
  it('counts every word exactly once across an exit and SIGKILLs at random moments', async () => {
    const topic = uniqueTopic('ex-pg');
    await k().createTopic({ name: topic, partitions: 2 });
    const r = rng(0x9e57);
    const words = ['apple', 'pear', 'fig', 'plum', 'kiwi', 'lime'];
    const records: { partition: number; value: string }[] = [];
    const expected: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const w = words[Math.floor(r() * words.length)]!;
      records.push({ partition: i % 2, value: w });
      expected[w] = (expected[w] ?? 0) + 1;
    }
    records.push({ partition: 0, value: 'END' }, { partition: 1, value: 'END' });
    await k().produce(topic, records);

    const crashed = await runExample([topic, '--every', '100', '--crash-after', '1234']);
    expect(crashed.code, crashed.stderr).toBe(3);
    const db = new pg.Client(pgUrl());
    clients.push(db);
    await db.connect();
    const checkpointId = async (): Promise<number> => {
      const q = await db.query('SELECT id FROM kafka08_checkpoints WHERE job = $1', [topic]);
      return q.rows.length === 0 ? 0 : Number(q.rows[0].id);
    };
    // Each run is killed a seeded random time after it wrote a checkpoint of its own, so every
    // kill lands mid-stream, between (or during) transactions.
    const kills: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = await checkpointId();
      const extraMs = Math.floor(r() * 60);
      const progressed = (async () => {
        while ((await checkpointId()) === before) await new Promise((res) => setTimeout(res, 5));
        await new Promise((res) => setTimeout(res, extraMs));
      })();
      const killed = await runExample([topic, '--every', '37'], progressed);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      kills.push(extraMs);
    }
    const done = await runExample([topic, '--every', '100']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const out = JSON.parse(done.stdout) as { processed: number; counts: Record<string, number> };
    expect(out.counts, `killed ${kills.join(', ')} ms after a checkpoint`).toEqual(
      Object.fromEntries(Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : 1))),
    );
    expect(out.processed).toBe(20_000);
    // The same, read straight from the database.
    const sum = await db.query('SELECT sum(n)::int AS total FROM word_counts WHERE job = $1', [topic]);
    expect(sum.rows[0].total).toBe(20_000);
  });
});
