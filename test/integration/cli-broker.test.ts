import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attachLocalKafka, type LocalKafkaDescriptor } from '../../src/rig/index.js';
import { cli as runCli } from '../helpers/cli.js';
import { kcatReadPartition } from '../helpers/cluster-kcat.js';

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, '', env, 180_000);

function pgrep(marker: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe('kafka08 broker up|down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka08-cli-'));
  afterAll(async () => {
    if (existsSync(join(dir, 'state.json'))) await cli(['broker', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a background cluster that outlives the CLI, then stops exactly it', async () => {
    const up = await cli([
      'broker',
      'up',
      '--dir',
      dir,
      '--brokers',
      '2',
      '--topic',
      'cli-topic:2:2',
      '--json',
    ]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const lines = up.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0] ?? '') as {
      brokers: string;
      zookeeper: string;
      clusterId: string;
      stateFile: string;
    };
    expect(summary.brokers).toMatch(/^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
    const marker = `kafka08.rig=${summary.clusterId}`;
    expect(pgrep(marker)).toHaveLength(3); // ZooKeeper + 2 brokers; the CLI itself has exited

    const state = JSON.parse(readFileSync(summary.stateFile, 'utf8')) as { descriptor: LocalKafkaDescriptor };
    const k = attachLocalKafka(state.descriptor);
    try {
      await k.produce('cli-topic', [{ partition: 1, key: 'a', value: 'from-cli-cluster' }]);
      expect((await kcatReadPartition(k, 'cli-topic', 1)).map((m) => m.payload)).toEqual([
        'from-cli-cluster',
      ]);
    } finally {
      k.close();
    }

    const again = await cli(['broker', 'up', '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already running/);

    const down = await cli(['broker', 'down', '--dir', dir]);
    expect(down.code).toBe(0);
    expect(pgrep(marker)).toEqual([]);
    expect(existsSync(summary.stateFile)).toBe(false);
  });

  it('a second up uses the cached jars and runs no Maven', async () => {
    // A Maven that cannot run proves none is needed.
    const up = await cli(['broker', 'up', '--dir', dir, '--json'], { KAFKA08_MVN: '/nonexistent/bin/mvn' });
    expect(up.stderr).toBe('');
    const summary = JSON.parse(up.stdout) as { cacheUsed: boolean; mavenRan: boolean; clusterId: string };
    expect(summary.cacheUsed).toBe(true);
    expect(summary.mavenRan).toBe(false);
    const down = await cli(['broker', 'down', '--dir', dir, '--json']);
    expect(JSON.parse(down.stdout)).toEqual({ stopped: 2, dir });
    expect(pgrep(`kafka08.rig=${summary.clusterId}`)).toEqual([]);
  });

  it('reports user mistakes in one line without a stack trace', async () => {
    for (const args of [
      ['broker', 'up', '--brokers', '9'],
      ['broker', 'sideways'],
      ['broker', 'down', '--dir', join(dir, 'none')],
      ['nope'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^kafka08: /);
    }
  });
});
