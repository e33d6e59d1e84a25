/**
 * Compiles and runs the Java golden programs of this directory against the cached Kafka jars of
 * one version, and returns their "<case> <hex>" output as a map. Classes are cached under the
 * rig's artifact cache by source hash, so only the first run of a changed program pays javac.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureArtifacts } from '../../src/rig/artifacts.js';
import { findJava } from '../../src/rig/java.js';
import type { KafkaVersion } from '../../src/rig/versions.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const MARKER = '.complete';

/** Old snappy-java injects its native loader by reflection, which Java 17 refuses unless opened. */
const JVM_FLAGS = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
];

export function mainClassFor(version: KafkaVersion): string {
  return version === '0.8.1.1' ? 'Golden081' : 'Golden082';
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
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

/** Compiles (once per source hash) and returns the classes directory and the classpath. */
export async function compileGolden(version: KafkaVersion): Promise<{ java: string; classpath: string }> {
  const tools = findJava();
  const { libDir } = await ensureArtifacts(version, tools);
  const sources = ['GoldenCommon.java', `${mainClassFor(version)}.java`].map((f) => join(HERE, f));
  const hash = createHash('sha256');
  for (const s of sources) hash.update(readFileSync(s));
  const versionDir = dirname(libDir);
  const classes = join(versionDir, `golden-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(join(classes, MARKER))) {
    const work = mkdtempSync(join(versionDir, '.golden-'));
    try {
      const res = await run(
        tools.javac,
        ['-nowarn', '-encoding', 'UTF-8', '-cp', `${libDir}/*`, '-d', work, ...sources],
        120_000,
      );
      if (res.code !== 0) throw new Error(`javac of the golden programs failed:\n${res.stdout}${res.stderr}`);
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

/** Case name → bytes, as Kafka `version`'s own serializers wrote them. */
export async function kafkaGoldens(version: KafkaVersion): Promise<Map<string, Buffer>> {
  const { java, classpath } = await compileGolden(version);
  const res = await run(java, [...JVM_FLAGS, '-cp', classpath, mainClassFor(version)], 120_000);
  if (res.code !== 0) throw new Error(`${mainClassFor(version)} failed (exit ${res.code}):\n${res.stderr}`);
  const out = new Map<string, Buffer>();
  for (const line of res.stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [name, hex = ''] = line.split(' ');
    if (!name || !/^([0-9a-f]{2})*$/.test(hex)) throw new Error(`bad golden line: ${line.slice(0, 200)}`);
    out.set(name, Buffer.from(hex, 'hex'));
  }
  return out;
}
