/**
 * Kafka 0.8's own high-level consumer as a long-lived member of a group (GroupMember.java), so
 * tests can put it next to a KafkaSource: wait for it to join, read what it printed, kill it
 * (a crash: its ZooKeeper session lingers until it expires) or let it leave when idle.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KafkaVersion } from '../../../src/rig/versions.js';
import { compile, type HighLevelRecord, JVM_FLAGS } from './high-level.js';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'GroupMember.java');

export interface JavaGroupMember {
  /** `<group>_<consumer.id>`, the consumerIdString Kafka derives. */
  readonly consumerId: string;
  /** Records printed so far. */
  readonly records: HighLevelRecord[];
  /** Resolves once the streams exist (registered and first rebalance done). */
  readonly ready: Promise<void>;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
  /** SIGKILL: no commit, no goodbye, the session stays until it expires. */
  kill(): void;
}

export interface JavaGroupMemberOptions {
  zookeeper: string;
  group: string;
  topic: string;
  consumerId: string;
  /** Leave after this long without a message (consumer.timeout.ms). */
  idleMs: number;
  strategy?: 'range' | 'roundrobin';
}

export async function startJavaGroupMember(
  version: KafkaVersion,
  o: JavaGroupMemberOptions,
): Promise<JavaGroupMember> {
  const { java, classpath } = await compile(version, SOURCE);
  const child: ChildProcess = spawn(
    java,
    [
      ...JVM_FLAGS,
      '-cp',
      classpath,
      'GroupMember',
      o.zookeeper,
      o.group,
      o.topic,
      String(o.idleMs),
      o.strategy ?? 'range',
      o.consumerId,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const records: HighLevelRecord[] = [];
  let stderr = '';
  let markReady!: () => void;
  let failReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    markReady = res;
    failReady = rej;
  });
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const l of lines) {
      if (l === 'READY') markReady();
      else if (l.trim() !== '') {
        const [partition, offset, ...rest] = l.split(' ');
        records.push({ partition: Number(partition), offset: BigInt(offset ?? '-1'), value: rest.join(' ') });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise<number | null>((res) => {
    child.on('close', (code) => {
      failReady(new Error(`GroupMember exited (${code}) before it was ready:\n${stderr}`));
      res(code);
    });
  });
  return {
    consumerId: `${o.group}_${o.consumerId}`,
    records,
    ready,
    exited,
    kill: () => child.kill('SIGKILL'),
  };
}
