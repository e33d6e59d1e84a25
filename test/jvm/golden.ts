/**
 * Compiles and runs the Java golden programs of this directory against the cached Kafka jars of
 * one version, and returns their "<case> <hex>" output as a map. Classes are cached under the
 * rig's artifact cache by source hash, so only the first run of a changed program pays javac.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KafkaVersion } from '../../src/rig/versions.js';
import { compileJava, runProcess } from './java-program.js';

const HERE = dirname(fileURLToPath(import.meta.url));

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

/** Compiles (once per source hash) and returns the classes directory and the classpath. */
export function compileGolden(version: KafkaVersion): Promise<{ java: string; classpath: string }> {
  const sources = ['GoldenCommon.java', `${mainClassFor(version)}.java`].map((f) => join(HERE, f));
  return compileJava(version, sources, 'golden');
}

/** Case name → bytes, as Kafka `version`'s own serializers wrote them. */
export async function kafkaGoldens(version: KafkaVersion): Promise<Map<string, Buffer>> {
  const { java, classpath } = await compileGolden(version);
  const res = await runProcess(java, [...JVM_FLAGS, '-cp', classpath, mainClassFor(version)], 120_000);
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
