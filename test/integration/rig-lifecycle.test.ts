import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  JavaNotFoundError,
  MavenNotFoundError,
  PortInUseError,
  startLocalKafka,
} from '../../src/rig/index.js';

const DIST_RIG = join(import.meta.dirname, '..', '..', 'dist', 'rig', 'index.js');

function pgrep(marker: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

function portOf(s: Server): number {
  const a = s.address();
  if (typeof a !== 'object' || !a) throw new Error('no address');
  return a.port;
}

describe('rig start errors', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('names a missing java', async () => {
    const err = await startLocalKafka({ java: '/nonexistent/bin/java' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JavaNotFoundError);
    expect((err as JavaNotFoundError).tried).toBe('/nonexistent/bin/java');
  });

  it('names a taken ZooKeeper port and a taken broker port', async () => {
    const taken = await listen();
    servers.push(taken);
    const zkErr = await startLocalKafka({ zookeeperPort: portOf(taken) }).catch((e: unknown) => e);
    expect(zkErr).toBeInstanceOf(PortInUseError);
    expect((zkErr as PortInUseError).port).toBe(portOf(taken));
    const brokerErr = await startLocalKafka({ brokerPorts: [portOf(taken)] }).catch((e: unknown) => e);
    expect(brokerErr).toBeInstanceOf(PortInUseError);
    expect((brokerErr as Error).message).toMatch(/broker 0/);
  });

  it('names a missing Maven when the jars are not cached yet', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kafka08-emptycache-'));
    const saved = { cache: process.env.KAFKA08_CACHE_DIR, mvn: process.env.KAFKA08_MVN };
    process.env.KAFKA08_CACHE_DIR = cache;
    process.env.KAFKA08_MVN = '/nonexistent/bin/mvn';
    try {
      const err = await startLocalKafka({ version: '0.8.1.1' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MavenNotFoundError);
      expect((err as MavenNotFoundError).tried).toBe('/nonexistent/bin/mvn');
    } finally {
      if (saved.cache === undefined) delete process.env.KAFKA08_CACHE_DIR;
      else process.env.KAFKA08_CACHE_DIR = saved.cache;
      if (saved.mvn === undefined) delete process.env.KAFKA08_MVN;
      else process.env.KAFKA08_MVN = saved.mvn;
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe('rig process lifetime', () => {
  it('stop() leaves no JVM behind', async () => {
    const k = await startLocalKafka({ brokers: 1 });
    const marker = `kafka08.rig=${k.clusterId}`;
    expect(pgrep(marker).length).toBeGreaterThanOrEqual(2);
    const dir = k.dir;
    await k.stop();
    expect(pgrep(marker)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('JVMs die when their owning node process is SIGKILLed', async () => {
    if (!existsSync(DIST_RIG)) throw new Error(`${DIST_RIG} is missing: run "npm run build" first`);
    const script = `import { startLocalKafka } from ${JSON.stringify(DIST_RIG)};
      const k = await startLocalKafka({ brokers: 1, keepData: true });
      process.stdout.write(JSON.stringify({ id: k.clusterId, dir: k.dir }) + '\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(buf.split('\n')[0] ?? '');
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const { id, dir } = JSON.parse(line) as { id: string; dir: string };
    const marker = `kafka08.rig=${id}`;
    try {
      expect(pgrep(marker).length).toBeGreaterThanOrEqual(2);
      child.kill('SIGKILL');
      expect(await until(() => pgrep(marker).length === 0, 10_000)).toBe(true);
    } finally {
      for (const pid of pgrep(marker)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
