// Runs a command under GNU time and returns its exit, output, and resource figures measured from
// outside the process: peak RSS (ru_maxrss, the kernel's VmHWM at exit) and user+system CPU.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const TIME_FORMAT = 'BENCHTIME %M %U %S %e';

export function parseTime(text) {
  const m = /BENCHTIME (\d+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(text);
  if (!m) return null;
  return { peakRssMb: Number(m[1]) / 1024, cpuSec: Number(m[2]) + Number(m[3]), wallSec: Number(m[4]) };
}

/**
 * `timeoutMs` sends SIGTERM (drivers then report partial progress), and SIGKILL 5 s later.
 * `stdout: 'ignore'` discards output (kcat's message stream).
 */
export function runTimed(cmd, args, { timeoutMs, stdout = 'pipe', env, onSpawn } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kafka08-bench-'));
  const timeFile = join(dir, 'time');
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', TIME_FORMAT, '-o', timeFile, cmd, ...args], {
      stdio: ['ignore', stdout, 'pipe'],
      env: env ?? process.env,
    });
    onSpawn?.(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err = (err + d).slice(-8000);
    });
    let timedOut = false;
    let killer;
    const timer = setTimeout(() => {
      timedOut = true;
      // GNU time forwards nothing, so signal the measured process (time's only child) directly.
      signalChildOf(child.pid, 'SIGTERM');
      killer = setTimeout(() => {
        signalChildOf(child.pid, 'SIGKILL');
        child.kill('SIGKILL');
      }, 5000);
    }, timeoutMs ?? 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      let time = null;
      try {
        time = parseTime(readFileSync(timeFile, 'utf8'));
      } catch {}
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal, stdout: out, stderr: err, timedOut, wallMs: performance.now() - t0, time });
    });
  });
}

export function signalChildOf(pid, signal) {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const k of kids) process.kill(Number(k), signal);
  } catch {}
}

/** The last line of `text` that parses as a JSON object, or null. */
export function lastJsonLine(text) {
  const lines = text.trim().split('\n').reverse();
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    try {
      return JSON.parse(l);
    } catch {}
  }
  return null;
}
