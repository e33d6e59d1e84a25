import { execFile } from 'node:child_process';
import type { LocalKafka } from '../../src/rig/index.js';

export interface KcatMessage {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
}

/** librdkafka cannot ask a 0.8 broker for its API versions; it must be told the protocol. */
export function kcatLegacyArgs(k: LocalKafka): string[] {
  return [
    '-X',
    'api.version.request=false',
    '-X',
    `broker.version.fallback=${k.version === '0.8.1.1' ? '0.8.1' : '0.8.2.1'}`,
  ];
}

function kcat(args: string[], maxBuffer = 64 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kcat', args, { maxBuffer, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kcat ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Every message of one partition from the beginning, as kcat (librdkafka) decodes it. */
export async function kcatReadPartition(
  k: LocalKafka,
  topic: string,
  partition: number,
): Promise<KcatMessage[]> {
  const out = await kcat([
    ...kcatLegacyArgs(k),
    '-b',
    k.brokers,
    '-C',
    '-t',
    topic,
    '-p',
    String(partition),
    '-o',
    'beginning',
    '-e',
    '-J',
    '-q',
  ]);
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = JSON.parse(l) as {
        partition: number;
        offset: number;
        key: string | null;
        payload: string | null;
      };
      return { partition: m.partition, offset: m.offset, key: m.key, payload: m.payload };
    });
}

/** The raw value of one message, for large payloads. */
export async function kcatReadValue(
  k: LocalKafka,
  topic: string,
  partition: number,
  offset: number,
  maxBytes: number,
): Promise<string> {
  return kcat(
    [
      ...kcatLegacyArgs(k),
      '-X',
      `fetch.message.max.bytes=${maxBytes}`,
      '-X',
      `fetch.max.bytes=${maxBytes}`,
      '-X',
      `receive.message.max.bytes=${maxBytes + 1_000_000}`,
      '-b',
      k.brokers,
      '-C',
      '-t',
      topic,
      '-p',
      String(partition),
      '-o',
      String(offset),
      '-c',
      '1',
      '-f',
      '%s',
      '-q',
    ],
    maxBytes * 2,
  );
}
