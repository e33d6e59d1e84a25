/**
 * Runs Kafka 0.8's own high-level consumer (HighLevelConsume.java, compiled once per source hash
 * against the rig's cached jars) so tests can check that our committed offsets mean the same to
 * Kafka's consumer, and the other way round.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KafkaVersion } from '../../../src/rig/versions.js';
import { compileJava, runProcess } from '../java-program.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'HighLevelConsume.java');
export const JVM_FLAGS = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
];

/** Compiles one Java source of this folder against the rig's Kafka jars (cached by content hash). */
export function compile(
  version: KafkaVersion,
  source = SOURCE,
): Promise<{ java: string; classpath: string }> {
  return compileJava(version, [source], 'hlc');
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
  const res = await runProcess(
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
