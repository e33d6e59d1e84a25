import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBrokerConfig, writeZookeeperConfig } from '../../../src/rig/config.js';
import { RigConfigError } from '../../../src/rig/errors.js';
import { startLocalKafka } from '../../../src/rig/start.js';
import {
  KAFKA_VERSIONS,
  supportedCompressions,
  v0ReadableCompressions,
  versionProfile,
} from '../../../src/rig/versions.js';

function properties(path: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kafka08-rig-config-'));
  dirs.push(d);
  return d;
}

describe('rig versions', () => {
  it.each(KAFKA_VERSIONS)('Kafka %s: every listener on 127.0.0.1 only', (version) => {
    const dir = tempDir();
    const broker = properties(
      writeBrokerConfig(dir, {
        version,
        id: 0,
        port: 9999,
        logDir: dir,
        zookeeper: '127.0.0.1:2181',
        brokerCount: 1,
      }),
    );
    const zk = properties(writeZookeeperConfig(dir, dir, 2181, version));
    expect(zk.get('clientPortAddress')).toBe('127.0.0.1');
    if (versionProfile(version).listeners) {
      expect(broker.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9999');
      expect(broker.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:9999');
      // Removed in 3.0: a 3.x broker refuses to start with them.
      expect(broker.has('host.name')).toBe(false);
    } else {
      expect(broker.get('host.name')).toBe('127.0.0.1');
    }
    // ZooKeeper 3.5+ would otherwise serve HTTP on 0.0.0.0:8080, and refuse our `ruok`.
    if (versionProfile(version).zookeeper35) {
      expect(zk.get('admin.enableServer')).toBe('false');
      expect(zk.get('4lw.commands.whitelist')).toBe('*');
    }
    if (versionProfile(version).transactions) {
      expect(broker.get('transaction.state.log.replication.factor')).toBe('1');
      expect(broker.get('offsets.topic.replication.factor')).toBe('1');
    }
  });

  it("leaves the flush policy at Kafka's default (no fsync every N messages)", () => {
    const dir = tempDir();
    for (const version of ['0.8.1.1', '0.8.2.2', '3.9.2'] as const) {
      const broker = properties(
        writeBrokerConfig(dir, { version, id: 0, port: 9999, logDir: dir, zookeeper: 'z:1', brokerCount: 1 }),
      );
      expect(broker.get('log.flush.interval.messages')).toBeUndefined();
      expect(broker.get('log.flush.interval.ms')).toBeUndefined();
    }
  });

  it('brokerProperties are written over the rig settings', () => {
    const dir = tempDir();
    const input = {
      version: '0.8.2.2',
      id: 0,
      port: 9999,
      logDir: dir,
      zookeeper: 'z:1',
      brokerCount: 3,
    } as const;
    expect(properties(writeBrokerConfig(dir, input)).get('controlled.shutdown.enable')).toBe('false');
    const broker = properties(
      writeBrokerConfig(dir, {
        ...input,
        overrides: { 'controlled.shutdown.enable': true, 'num.io.threads': 4 },
      }),
    );
    expect(broker.get('controlled.shutdown.enable')).toBe('true');
    expect(broker.get('num.io.threads')).toBe('4');
    expect(broker.get('broker.id')).toBe('0');
  });

  it.each([
    [{ 'a=b': 1 }],
    [{ 'x y': 1 }],
    [{ 'log.dirs': '/tmp\nbroker.id=7' }],
    [{ 'num.io.threads': Number.NaN }],
  ])('brokerProperties %j are refused before anything starts', async (brokerProperties) => {
    await expect(startLocalKafka({ brokerProperties })).rejects.toBeInstanceOf(RigConfigError);
  });

  it('zstd exists from 2.1 and a v0 client can never read it', () => {
    expect(supportedCompressions('2.8.2')).toContain('zstd');
    expect(supportedCompressions('1.1.1')).not.toContain('zstd');
    for (const v of KAFKA_VERSIONS) expect(v0ReadableCompressions(v)).not.toContain('zstd');
    expect(v0ReadableCompressions('0.8.1.1')).toEqual(['none', 'gzip', 'snappy']);
  });
});

describe('README "Supported brokers"', () => {
  it('is the table scripts/compat-table.mjs writes from the last compatibility run', () => {
    const script = join(import.meta.dirname, '..', '..', '..', 'scripts', 'compat-table.mjs');
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
