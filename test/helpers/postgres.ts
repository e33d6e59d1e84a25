/**
 * A throwaway PostgreSQL server for the tests whose sink is a real database, started the way the
 * rig starts brokers: Debian's binaries, a fresh data directory, loopback only, a watchdog so it
 * dies with the process that started it. As root the server runs as the `postgres` user (it
 * refuses to run as root).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/rig/ports.js';

export interface PostgresDescriptor {
  host: string;
  port: number;
  user: string;
  database: string;
}

export interface LocalPostgres extends PostgresDescriptor {
  stop(): Promise<void>;
}

const USER = 'kafka08';

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'postgres')) && existsSync(join(bin, 'initdb'))) return bin;
  }
  throw new Error(
    'PostgreSQL is not installed: the tests with a database sink need it (apt-get install postgresql; .ci/run does this)',
  );
}

/** Runs a command as the postgres user when we are root, as ourselves otherwise. */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function waitForPort(port: number, ms: number, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (server.exitCode !== null) {
        reject(new Error(`PostgreSQL exited with code ${server.exitCode} while starting`));
        return;
      }
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        s.destroy();
        if (Date.now() > deadline)
          reject(new Error(`PostgreSQL did not listen on 127.0.0.1:${port} within ${ms} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export async function startPostgres(): Promise<LocalPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'kafka08-pg-'));
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const [initCmd, initArgs] = asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    USER,
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  // The watchdog stops the server when our process dies, whatever way it dies (it looks in /proc:
  // as the postgres user it may not signal a root process, so kill -0 would not tell).
  const script = `"$1" -D "$2" -h 127.0.0.1 -p "$3" -k "$4" -c fsync=on -c listen_addresses=127.0.0.1 & pg=$!
while [ -d "/proc/$5" ] && kill -0 $pg 2>/dev/null; do sleep 1; done
kill -INT $pg 2>/dev/null; wait $pg`;
  const [cmd, args] = asServerUser('bash', [
    '-c',
    script,
    'pg-watchdog',
    join(bin, 'postgres'),
    data,
    String(port),
    dir,
    String(process.pid),
  ]);
  const server = spawn(cmd, args, { stdio: 'ignore', detached: true });
  server.unref();
  await waitForPort(port, 30_000, server);
  return {
    host: '127.0.0.1',
    port,
    user: USER,
    database: 'postgres',
    stop: async () => {
      const [stopCmd, stopArgs] = asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      try {
        execFileSync(stopCmd, stopArgs, { stdio: 'pipe' });
      } catch {
        // Already gone.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
