import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../src/index.js';
import type { LocalKafka } from '../../src/rig/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

// Every program in examples/ runs here against the local brokers, as a user would run it, so
// the examples cannot rot. They import 'kafka08' (the package's own name), resolved to dist/.
const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], k: LocalKafka, input = ''): Promise<Run> {
  if (!existsSync(join(ROOT, 'dist', 'index.js')))
    throw new Error('dist/ is missing: run "npm run build" first');
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      {
        cwd: ROOT,
        timeout: 60_000,
        env: {
          ...process.env,
          KAFKA08_BROKERS: k.brokers,
          KAFKA08_ZOOKEEPER: k.zookeeper,
          KAFKA08: `${process.execPath} ${CLI}`,
        },
      },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

function example(name: string, args: string[], k: LocalKafka): Promise<Run> {
  return run(process.execPath, [join(EXAMPLES, name), ...args], k);
}

async function succeeds(r: Run): Promise<string> {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

/** Lines through the CLI's produce, like the examples' users would. */
async function produceLines(k: LocalKafka, topic: string, lines: string[]): Promise<void> {
  await succeeds(
    await run(process.execPath, [CLI, 'produce', '--topic', topic, '--quiet'], k, `${lines.join('\n')}\n`),
  );
}

describe('examples/', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'kafka08-examples-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each(['0.8.2.2', '0.8.1.1'] as const)(
    'simple-consumer.mjs reads JVM-produced gzip data to the end on Kafka %s',
    async (version) => {
      const k = sharedCluster(version);
      const topic = uniqueTopic('ex-simple');
      await k.produce(
        topic,
        Array.from({ length: 7 }, (_, i) => ({ key: i % 2 ? `k${i}` : null, value: `v${i}` })),
        { compression: 'gzip' },
      );
      const out = await succeeds(await example('simple-consumer.mjs', [topic], k));
      expect(out).toBe(
        Array.from({ length: 7 }, (_, i) => `${i}\t${i % 2 ? `k${i}` : ''}\tv${i}\n`).join(''),
      );
    },
  );

  it('cli-recipes.sh runs top to bottom', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('ex-recipes');
    const out = await succeeds(await run('bash', [join(EXAMPLES, 'cli-recipes.sh'), topic], k));
    expect(out).toContain(
      `{"topic":"${topic}","partition":0,"offset":"2","key":"user-1","value":"bought a hat"}`,
    );
    expect(out).toContain('logged out\nbought a hat\n');
    expect(out).toContain(`recipes-group  ${topic}  0  committed 2  latest 3  lag 1`);
    expect(out).toContain('"offset":"3","key":null,"value":"000102ff"');
  });

  it.each([
    ['flink-consumer-082.mjs', '0.8.2.2'],
    ['flink-consumer-081.mjs', '0.8.1.1'],
  ] as const)(
    '%s reads to the end marker on Kafka %s and commits the group offset',
    async (file, version) => {
      const k = sharedCluster(version);
      const topic = uniqueTopic('ex-flink');
      const group = uniqueTopic('ex-group');
      await produceLines(k, topic, ['one', 'two', 'three', 'END', 'after the end']);
      expect(await succeeds(await example(file, [topic, group], k))).toBe('one\ntwo\nthree\n');
      expect(await k.zkGet(`/consumers/${group}/offsets/${topic}/0`)).toBe('3');
    },
  );

  it('persistent-kafka-source.mjs commits each completed checkpoint to ZooKeeper', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('ex-persistent');
    const group = uniqueTopic('ex-group');
    await produceLines(k, topic, ['a', 'b', 'c', 'd', 'END']);
    expect(await succeeds(await example('persistent-kafka-source.mjs', [topic, group], k))).toBe(
      'a\nb\nc\nd\n',
    );
    expect(await k.zkGet(`/consumers/${group}/offsets/${topic}/0`)).toBe('4');
  });

  it('prometheus-metrics.mjs publishes lag, records and fetch latency through prom-client', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('ex-prom');
    await produceLines(k, topic, ['a', 'b', 'END']);
    const out = await succeeds(await example('prometheus-metrics.mjs', [topic], k));
    // Stopped in front of END (offset 2), one message before the log end (3).
    expect(out).toContain(`kafka08_consumer_lag{topic="${topic}",partition="0"} 1`);
    expect(out).toContain(`kafka08_consumer_position{topic="${topic}",partition="0"} 2`);
    expect(out).toContain('kafka08_consumer_records_total 2');
    expect(out).toMatch(/kafka08_consumer_fetch_latency_ms\{quantile="0\.99"\} [0-9.]+/);
  });

  it('checkpoint-runner.mjs counts every word exactly once across a crash', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('ex-runner');
    const words = Array.from({ length: 23 }, (_, i) => ['apple', 'pear', 'fig', 'plum'][(i * 7) % 4]!);
    await produceLines(k, topic, [...words, 'END']);
    const state = join(scratch, 'runner-checkpoints');
    const crashed = await example(
      'checkpoint-runner.mjs',
      [topic, state, '--every', '5', '--crash-after', '13'],
      k,
    );
    expect(crashed.code).toBe(3);
    // The crash lost records 11-13 of the run but not the checkpoint taken after record 10.
    const saved = await new FileCheckpointStore<{ processed: number }>(state).load();
    expect(saved?.state.processed).toBe(10);
    const out = await succeeds(await example('checkpoint-runner.mjs', [topic, state, '--every', '5'], k));
    const expected: Record<string, number> = {};
    for (const w of words) expected[w] = (expected[w] ?? 0) + 1;
    expect(JSON.parse(out)).toEqual({ processed: 23, counts: expected });
  });
});
