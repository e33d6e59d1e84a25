import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { removeData } from '../rig/cluster.js';
import type { LocalKafkaDescriptor } from '../rig/descriptor.js';
import { type KafkaVersion, startLocalKafka, type TopicSpec } from '../rig/index.js';
import { findMarkedPids, stopMarked } from '../rig/process.js';
import { isKafkaVersion, KAFKA_VERSIONS } from '../rig/versions.js';
import { UsageError } from './usage.js';

const DEFAULT_DIR = '.kafka08';

interface StateFile {
  descriptor: LocalKafkaDescriptor;
  startedAt: string;
}

export async function brokerCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'up') return up(rest);
  if (sub === 'down') return down(rest);
  throw new UsageError(`broker needs "up" or "down"${sub === undefined ? '' : `, not "${sub}"`}`);
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

function parseTopic(spec: string): TopicSpec {
  const m = /^([^:]+):(\d+)(?::(\d+))?$/.exec(spec);
  if (!m?.[1] || !m[2]) throw new UsageError(`--topic wants name:partitions[:replication], got "${spec}"`);
  return { name: m[1], partitions: Number(m[2]), replicationFactor: m[3] === undefined ? 1 : Number(m[3]) };
}

async function up(args: string[]): Promise<number> {
  const { values } = parse(args, {
    version: { type: 'string' },
    brokers: { type: 'string' },
    dir: { type: 'string' },
    topic: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  const version = (values.version as string | undefined) ?? '0.8.2.2';
  if (!isKafkaVersion(version)) throw new UsageError(`--version must be one of ${KAFKA_VERSIONS.join(', ')}`);
  const brokersArg = (values.brokers as string | undefined) ?? '1';
  if (!/^[1-5]$/.test(brokersArg)) throw new UsageError(`--brokers must be 1..5, got "${brokersArg}"`);
  const brokers = Number(brokersArg);
  const topics = ((values.topic as string[] | undefined) ?? []).map(parseTopic);
  for (const t of topics) {
    if ((t.replicationFactor ?? 1) > brokers) {
      throw new UsageError(
        `topic ${t.name} wants replication ${t.replicationFactor} but there are ${brokers} broker(s)`,
      );
    }
  }
  const dir = resolve((values.dir as string | undefined) ?? DEFAULT_DIR);
  const stateFile = join(dir, 'state.json');
  const previous = readState(stateFile);
  if (previous && findMarkedPids(previous.descriptor.clusterId).length > 0) {
    throw new UsageError(
      `a cluster is already running from ${dir}; run "kafka08 broker down --dir ${dir}" first`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const kafka = await startLocalKafka({
    version: version as KafkaVersion,
    brokers,
    topics,
    dir,
    detached: true,
    keepData: true,
  });
  kafka.close();
  const descriptor = kafka.descriptor();
  const state: StateFile = { descriptor, startedAt: new Date().toISOString() };
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  const info = kafka.startInfo;
  const summary = {
    version: descriptor.version,
    brokers: descriptor.brokers,
    zookeeper: descriptor.zookeeper,
    brokerList: kafka.brokerList,
    topics: topics.map((t) => t.name),
    dir,
    stateFile,
    clusterId: descriptor.clusterId,
    cacheUsed: info?.cacheUsed ?? false,
    mavenRan: info?.mavenRan ?? false,
    startMs: info?.startMs ?? 0,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(
      `Kafka ${summary.version} is up (${summary.startMs} ms${summary.cacheUsed ? ', cached jars' : ''}).\n` +
        `  brokers:   ${summary.brokers}\n  zookeeper: ${summary.zookeeper}\n  data:      ${dir}\n` +
        `Stop it with: kafka08 broker down --dir ${dir}\n`,
    );
  }
  return 0;
}

async function down(args: string[]): Promise<number> {
  const { values } = parse(args, { dir: { type: 'string' }, json: { type: 'boolean' } });
  const dir = resolve((values.dir as string | undefined) ?? DEFAULT_DIR);
  const stateFile = join(dir, 'state.json');
  const state = readState(stateFile);
  if (!state) throw new UsageError(`no running cluster recorded in ${stateFile}`);
  const d = state.descriptor;
  // Only pids whose command line still carries this cluster's marker: never a recycled pid.
  const pids = findMarkedPids(d.clusterId);
  await stopMarked(pids, d.clusterId, 10_000);
  removeData({ ...d, ownsDir: false });
  rmSync(stateFile, { force: true });
  if (values.json) process.stdout.write(`${JSON.stringify({ stopped: pids.length, dir })}\n`);
  else process.stdout.write(`Stopped ${pids.length} process(es) of cluster ${d.clusterId} in ${dir}.\n`);
  return 0;
}

function readState(path: string): StateFile | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UsageError(`${path} is not valid JSON; remove it if no cluster is running`);
  }
  const s = parsed as Partial<StateFile>;
  if (s.descriptor?.format !== 1 || typeof s.descriptor.clusterId !== 'string') {
    throw new UsageError(`${path} is not a kafka08 state file`);
  }
  return s as StateFile;
}
