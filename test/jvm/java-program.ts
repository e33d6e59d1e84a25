/**
 * What the test-side Java programs share: running a process to completion, and compiling Java
 * sources against one Kafka version's cached jars. Classes are cached beside the jars, keyed by a
 * hash of the sources, so only the first run of a changed program pays javac.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureArtifacts } from '../../src/rig/artifacts.js';
import { findJava } from '../../src/rig/java.js';
import type { KafkaVersion } from '../../src/rig/versions.js';

const MARKER = '.complete';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runProcess(cmd: string, args: string[], timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Compiles `sources` once per content hash into `<version cache>/<prefix>-<hash>`; returns how to run them. */
export async function compileJava(
  version: KafkaVersion,
  sources: readonly string[],
  prefix: string,
): Promise<{ java: string; classpath: string }> {
  const tools = findJava();
  const { libDir } = await ensureArtifacts(version, tools);
  const hash = createHash('sha256');
  for (const s of sources) hash.update(readFileSync(s));
  const versionDir = dirname(libDir);
  const classes = join(versionDir, `${prefix}-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(join(classes, MARKER))) {
    // Compiled into a scratch dir and renamed, so a concurrent run never sees half the classes.
    const work = mkdtempSync(join(versionDir, `.${prefix}-`));
    try {
      const res = await runProcess(
        tools.javac,
        ['-nowarn', '-encoding', 'UTF-8', '-cp', `${libDir}/*`, '-d', work, ...sources],
        120_000,
      );
      if (res.code !== 0) throw new Error(`javac ${sources.join(' ')} failed:\n${res.stdout}${res.stderr}`);
      writeFileSync(join(work, MARKER), 'ok\n');
      if (!existsSync(join(classes, MARKER))) {
        rmSync(classes, { recursive: true, force: true });
        mkdirSync(dirname(classes), { recursive: true });
        renameSync(work, classes);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { java: tools.java, classpath: `${classes}:${libDir}/*` };
}
