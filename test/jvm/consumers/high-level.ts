/**
 * Runs Kafka 0.8's own high-level consumer (HighLevelConsume.java, compiled once per source hash
 * against the rig's cached jars) so tests can check that our committed offsets mean the same to
 * Kafka's consumer, and the other way round.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureArtifacts } from '../../../src/rig/artifacts.js';
import { findJava } from '../../../src/rig/java.js';
import type { KafkaVersion } from '../../../src/rig/versions.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'HighLevelConsume.java');
export const JVM_FLAGS = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
];

function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

/** Compiles one Java source of this folder against the rig's Kafka jars (cached by content hash). */
export async function compile(
  version: KafkaVersion,
  source = SOURCE,
): Promise<{ java: string; classpath: string }> {
  const tools = findJava();
  const { libDir } = await ensureArtifacts(version, tools);
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const classes = join(dirname(libDir), `hlc-${hash}`);
  if (!existsSync(join(classes, '.complete'))) {
    const work = mkdtempSync(join(dirname(libDir), '.hlc-'));
    try {
      const res = await run(tools.javac, ['-nowarn', '-cp', `${libDir}/*`, '-d', work, source], 120_000);
      if (res.code !== 0) throw new Error(`javac ${source} failed:\n${res.stdout}${res.stderr}`);
      writeFileSync(join(work, '.complete'), 'ok\n');
      if (!existsSync(join(classes, '.complete'))) {
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

export interface HighLevelRecord {
  partition: number;
  offset: bigint;
  value: string;
}

/** Reads up to `max` messages as `group` with Kafka's own consumer, then commits and exits. */
export async function kafkaHighLevelConsume(
  version: KafkaVersion,
  zookeeper: string,
  group: string,
  topic: string,
  max: number,
): Promise<HighLevelRecord[]> {
  const { java, classpath } = await compile(version);
  const res = await run(
    java,
    [...JVM_FLAGS, '-cp', classpath, 'HighLevelConsume', zookeeper, group, topic, String(max)],
    120_000,
  );
  if (res.code !== 0)
    throw new Error(`HighLevelConsume failed (exit ${res.code}):\n${res.stderr.slice(-4000)}`);
  return res.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [partition, offset, ...rest] = l.split(' ');
      return { partition: Number(partition), offset: BigInt(offset ?? '-1'), value: rest.join(' ') };
    });
}
