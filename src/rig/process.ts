import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

/** Marks every JVM of one cluster on its command line, so we find (and only kill) our own. */
export function markerArgs(clusterId: string, role: string): string[] {
  return [`-Dkafka08.rig=${clusterId}`, `-Dkafka08.role=${role}`];
}

export type Watchdog =
  /** Dies when our stdin pipe closes and when the owner pid dies: for JVMs owned by this process. */
  | { kind: 'owner'; ownerPid: number }
  /** Dies when the owner pid dies, survives us: a JVM an attached handle (re)starts. */
  | { kind: 'pid'; ownerPid: number }
  /** No watchdog: the CLI's background cluster. */
  | { kind: 'none' };

export interface JvmSpec {
  java: string;
  classpath: string;
  toolClassesDir: string;
  jvmOptions: string[];
  mainClass: string;
  args: string[];
  consoleLog: string;
  cwd: string;
}

/** Starts a JVM through RigJvm's launcher, which installs the parent-death watchdogs. */
export function spawnJvm(spec: JvmSpec, watchdog: Watchdog): ChildProcess {
  const launchOpts: string[] = [];
  if (watchdog.kind === 'owner') launchOpts.push('--watch-stdin', `--watch-pid=${watchdog.ownerPid}`);
  if (watchdog.kind === 'pid') launchOpts.push(`--watch-pid=${watchdog.ownerPid}`);
  const argv = [
    ...spec.jvmOptions,
    '-cp',
    `${spec.toolClassesDir}:${spec.classpath}`,
    'RigJvm',
    'launch',
    ...launchOpts,
    '--',
    spec.mainClass,
    ...spec.args,
  ];
  const fd = openSync(spec.consoleLog, 'a');
  try {
    const child = spawn(spec.java, argv, {
      cwd: spec.cwd,
      stdio: [watchdog.kind === 'owner' ? 'pipe' : 'ignore', fd, fd],
      detached: watchdog.kind !== 'owner',
    });
    // Never keep the user's event loop alive: the 'exit' hook and the watchdogs clean up.
    child.unref();
    if (child.stdin) (child.stdin as unknown as { unref?: () => void }).unref?.();
    child.on('error', () => {});
    return child;
  } finally {
    closeSync(fd);
  }
}

export function cmdlineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Pids whose command line carries this cluster's marker (and role, if given). */
export function findMarkedPids(clusterId: string, role?: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const want = markerArgs(clusterId, role ?? '');
  const pids: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    const cmd = cmdlineOf(pid);
    if (!cmd?.includes(`${want[0]} `)) continue;
    if (role !== undefined && !cmd.includes(`${want[1]} `)) continue;
    pids.push(pid);
  }
  return pids;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills a pid only if its command line still carries our marker: a recycled pid is left alone. */
export function killMarked(pid: number, clusterId: string, signal: NodeJS.Signals): boolean {
  const cmd = cmdlineOf(pid);
  if (cmd === undefined || !cmd.includes(`-Dkafka08.rig=${clusterId} `)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export async function waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50);
    alive = alive.filter(isAlive);
  }
  return alive;
}

/** SIGTERM, then SIGKILL for whatever is still there after `graceMs`. */
export async function stopMarked(pids: number[], clusterId: string, graceMs: number): Promise<void> {
  const signalled = pids.filter((p) => killMarked(p, clusterId, 'SIGTERM'));
  const left = await waitForExit(signalled, graceMs);
  for (const p of left) killMarked(p, clusterId, 'SIGKILL');
  await waitForExit(left, 5000);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function logTail(path: string, lines = 25): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}
