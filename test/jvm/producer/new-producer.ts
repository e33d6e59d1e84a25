/**
 * Runs Kafka 0.8.2's own new producer (NewProducerSend.java, compiled once per source hash against
 * the rig's cached jars), so tests can compare where Java places each record with where we do.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileJava } from '../java-program.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const JVM_FLAGS = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
];

export interface JavaPlacement {
  partition: number;
  offset: bigint;
}

/** Sends `lines` ("key\tvalue" or a keyless value) with KafkaProducer; returns each record's partition and offset. */
export async function javaNewProducerSend(
  brokers: string,
  topic: string,
  lines: readonly string[],
  compression = 'none',
): Promise<JavaPlacement[]> {
  const { java, classpath } = await compileJava(
    '0.8.2.2',
    [join(HERE, 'NewProducerSend.java')],
    'newproducer',
  );
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      java,
      [...JVM_FLAGS, '-cp', classpath, 'NewProducerSend', brokers, topic, compression],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 120_000,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`NewProducerSend exited ${code}:\n${stderr}`)),
    );
    child.stdin.end(`${lines.join('\n')}\n`);
  });
  return out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [partition, offset] = l.split(' ');
      return { partition: Number(partition), offset: BigInt(offset ?? '-1') };
    });
}
