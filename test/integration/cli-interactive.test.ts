import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function sh(command: string): Promise<{ code: number; out: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  return new Promise((resolve) => {
    // `script` gives the command a terminal, so stderr.isTTY is true as for a user.
    execFile('script', ['-qec', command, '/dev/null'], { timeout: 60_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout });
    });
  });
}

function produce(brokers: string, topic: string, lines: string[], extra: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI, 'produce', '--brokers', brokers, '--topic', topic, ...extra],
      { timeout: 60_000 },
      (err, _out, stderr) => (err ? reject(new Error(stderr)) : resolve()),
    );
    child.stdin?.end(`${lines.join('\n')}\n`);
  });
}

describe('kafka08 CLI on a terminal and under signals (Kafka 0.8.2.2)', () => {
  const k = () => sharedCluster('0.8.2.2');

  it('shows progress with the lag on a terminal, and nothing with --quiet; Ctrl-C exits 130', async () => {
    const topic = uniqueTopic('cli-tty');
    await produce(k().brokers, topic, ['a', 'b', 'c']);
    const consume = `${process.execPath} ${CLI} consume --brokers ${k().brokers} --topic ${topic} --format value`;
    // Runs past the 1 s redraw, then gets SIGINT as from Ctrl-C.
    const live = await sh(`timeout --preserve-status -s INT 2.5 ${consume}`);
    expect(live.code).toBe(130);
    expect(live.out).toMatch(new RegExp(`${topic}: 3 message\\(s\\), \\d+ msg/s, lag 0`));
    expect(live.out).toContain(`consumed 3 message(s) from ${topic}`);
    const quiet = await sh(`${consume} --exit-at-end --quiet`);
    expect(quiet.code).toBe(0);
    expect(quiet.out.replace(/\r/g, '')).toBe('a\nb\nc\n');
  });

  /**
   * `consume --group --commit` of `lines`, run until it has printed them all: the child, its
   * stderr so far, and how it exits (the code, or the signal that ended it).
   */
  async function committingConsumer(name: string, lines: string[]) {
    const topic = uniqueTopic(name);
    const group = uniqueTopic('g');
    await produce(k().brokers, topic, lines);
    const args = ['consume', '--brokers', k().brokers, '--topic', topic, '--group', group, '--commit'];
    const child = spawn(process.execPath, [CLI, ...args, '--format', 'value']);
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<string>((resolve) =>
      child.on('exit', (code, signal) => resolve(code === null ? String(signal) : String(code))),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no output after 20 s: ${out} ${err}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out === `${lines.join('\n')}\n`) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const committed = () => k().zkGet(`/consumers/${group}/offsets/${topic}/0`);
    return { child, exited, stderr: () => err, committed };
  }

  it('SIGINT during consume --group --commit commits what was printed', async () => {
    const c = await committingConsumer('cli-sigint', ['1', '2', '3', '4', '5']);
    c.child.kill('SIGINT');
    expect(await c.exited).toBe('130');
    expect(c.stderr()).toBe('');
    expect(await c.committed()).toBe('5');
  });

  it('repeated SIGINTs, as a supervisor that signals the process and then its group sends them, still end in the last commit', async () => {
    const c = await committingConsumer('cli-sigints', ['1', '2', '3']);
    // GNU timeout sends its signal to the process, then to the process group; here one now and
    // more every millisecond for 30 ms, while the stop is under way (signals sent at once merge
    // into one). The first asks for the stop; the repeats must not kill the process before its
    // last commit (one arriving as Node tears down may still end it as a SIGINT would, after the
    // commit: a shell reports 130 either way).
    const { child } = c;
    child.kill('SIGINT');
    const started = Date.now();
    const repeat = setInterval(() => {
      if (Date.now() - started > 30 || child.exitCode !== null || child.signalCode !== null)
        clearInterval(repeat);
      else child.kill('SIGINT');
    }, 1);
    expect(['130', 'SIGINT']).toContain(await c.exited);
    expect(c.stderr()).toBe('');
    expect(await c.committed()).toBe('3');
  });

  it('produce --batch 1 waits for each answer and keeps the lines in order', async () => {
    const topic = uniqueTopic('cli-batch-1');
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i}`);
    await produce(k().brokers, topic, lines, ['--batch', '1']);
    const got = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [CLI, 'consume', '--brokers', k().brokers, '--topic', topic, '--exit-at-end', '--format', 'value'],
        { timeout: 60_000 },
        (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout)),
      ),
    );
    expect(got.trimEnd().split('\n')).toEqual(lines);
  });

  it('produce without --partition keeps each key on one partition and spreads keyless lines', async () => {
    const topic = uniqueTopic('cli-keys');
    await k().createTopic({ name: topic, partitions: 3 });
    const lines = Array.from({ length: 30 }, (_, i) => (i % 2 ? `key${i % 5}:v${i}` : `v${i}`));
    await produce(k().brokers, topic, lines, ['--key-separator', ':', '--batch', '7']);
    const got = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [CLI, 'consume', '--brokers', k().brokers, '--topic', topic, '--exit-at-end'],
        { timeout: 60_000 },
        (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout)),
      ),
    );
    const msgs = got
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { partition: number; key: string | null; value: string });
    expect(msgs.map((m) => m.value).sort()).toEqual(lines.map((l) => l.split(':').pop()).sort());
    const partitionsOfKey = new Map<string, Set<number>>();
    for (const m of msgs) {
      if (m.key === null) continue;
      const set = partitionsOfKey.get(m.key) ?? new Set();
      set.add(m.partition);
      partitionsOfKey.set(m.key, set);
    }
    expect([...partitionsOfKey.values()].every((s) => s.size === 1)).toBe(true);
    const keyless = new Set(msgs.filter((m) => m.key === null).map((m) => m.partition));
    expect(keyless).toEqual(new Set([0, 1, 2]));
  });
});
