import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureArtifacts } from './artifacts.js';
import { LocalKafka, type StartInfo, type TopicSpec, validateTopic } from './cluster.js';
import type { LocalKafkaDescriptor } from './descriptor.js';
import { RigConfigError } from './errors.js';
import { registerOwned } from './hooks.js';
import { findJava } from './java.js';
import { startBroker, startZookeeper, waitForZookeeper, watchExits, zookeeperDir } from './launch.js';
import { assertPortFree, freePort } from './ports.js';
import { findMarkedPids, stopMarked, type Watchdog } from './process.js';
import { DEFAULT_KAFKA_VERSION, isKafkaVersion, KAFKA_VERSIONS, type KafkaVersion } from './versions.js';

export interface StartOptions {
  version?: KafkaVersion;
  /** 1..5 brokers, ids 0..n-1. Default 1. */
  brokers?: number;
  topics?: TopicSpec[];
  /** Data directory; default a fresh temp dir. Existing cluster data in it is wiped first. */
  dir?: string;
  /** Keep the data directory after stop(). */
  keepData?: boolean;
  /** Path of the java executable (default KAFKA08_JAVA, JAVA_HOME, then PATH). */
  java?: string;
  /** Fixed ports instead of free ones picked at random. */
  zookeeperPort?: number;
  brokerPorts?: number[];
  /** Time allowed for each start phase (ZooKeeper, brokers, topics). Default 90 s. */
  timeoutMs?: number;
  /**
   * For the CLI: JVMs outlive this process (no parent-death watchdog). The cluster must then be
   * stopped with `kafka08 broker down` or `stopDetached`.
   */
  detached?: boolean;
  /**
   * Extra `server.properties` for every broker, over the rig's own (which run brokers with
   * `controlled.shutdown.enable=false` so that stopping a test cluster is quick). Kept for restarts.
   */
  brokerProperties?: Readonly<Record<string, string | number | boolean>>;
}

/** Starts ZooKeeper plus N Kafka 0.8 brokers on loopback and waits until every leader is known. */
export async function startLocalKafka(opts: StartOptions = {}): Promise<LocalKafka> {
  const t0 = Date.now();
  const version = opts.version ?? DEFAULT_KAFKA_VERSION;
  if (!isKafkaVersion(version)) {
    throw new RigConfigError(
      `unsupported Kafka version "${String(version)}" (supported: ${KAFKA_VERSIONS.join(', ')})`,
    );
  }
  const count = opts.brokers ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 5)
    throw new RigConfigError(`brokers must be 1..5, got ${count}`);
  for (const t of opts.topics ?? []) validateTopic(t, count);
  const brokerProperties = validBrokerProperties(opts.brokerProperties);
  if (opts.brokerPorts && opts.brokerPorts.length !== count) {
    throw new RigConfigError(`brokerPorts lists ${opts.brokerPorts.length} ports for ${count} brokers`);
  }
  const timeout = opts.timeoutMs ?? 90_000;
  const java = findJava(opts.java);
  const art = await ensureArtifacts(version, java);

  const zkPort = opts.zookeeperPort ?? (await freePort());
  await assertPortFree(zkPort, 'ZooKeeper');
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = opts.brokerPorts?.[i] ?? (await freePort([zkPort, ...ports]));
    if (ports.includes(p) || p === zkPort) throw new RigConfigError(`port ${p} listed twice`);
    await assertPortFree(p, `broker ${i}`);
    ports.push(p);
  }

  const ownsDir = opts.dir === undefined;
  const dir = opts.dir === undefined ? mkdtempSync(join(tmpdir(), 'kafka08-')) : resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const clusterId = `k08-${randomBytes(5).toString('hex')}`;
  const desc: LocalKafkaDescriptor = {
    format: 1,
    clusterId,
    version,
    dir,
    ownerPid: opts.detached ? null : process.pid,
    java: java.java,
    classpath: `${art.libDir}/*`,
    toolClassesDir: art.toolClassesDir,
    zookeeper: `127.0.0.1:${zkPort}`,
    zookeeperPid: undefined,
    zookeeperLog: join(dir, 'zookeeper', 'zookeeper.log'),
    brokers: ports.map((p) => `127.0.0.1:${p}`).join(','),
    brokerList: ports.map((port, id) => ({
      id,
      host: '127.0.0.1',
      port,
      pid: undefined,
      dir: join(dir, `broker-${id}`),
      logFile: join(dir, `broker-${id}`, 'kafka.log'),
    })),
    keepData: opts.keepData ?? false,
    ownsDir,
    ...(brokerProperties === undefined ? {} : { brokerProperties }),
  };
  // "Fresh data dirs": old ZooKeeper state would name brokers and topics that no longer exist.
  rmSync(zookeeperDir(desc), { recursive: true, force: true });
  for (const b of desc.brokerList) rmSync(b.dir, { recursive: true, force: true });

  const watchdog: Watchdog = opts.detached ? { kind: 'none' } : { kind: 'owner', ownerPid: process.pid };
  if (!opts.detached) registerOwned(clusterId, () => findMarkedPids(clusterId));
  const info: StartInfo = {
    cacheUsed: art.cacheUsed,
    mavenRan: art.mavenRan,
    toolCompiled: art.toolCompiled,
    startMs: 0,
  };
  let handle: LocalKafka | undefined;
  try {
    const zk = startZookeeper(desc, zkPort, watchdog);
    desc.zookeeperPid = zk.pid;
    const zkWatch = watchExits([{ child: zk, role: 'zookeeper', logFile: desc.zookeeperLog, port: zkPort }]);
    try {
      await Promise.race([zkWatch.failed, waitForZookeeper(zkPort, timeout, desc.zookeeperLog)]);
    } finally {
      zkWatch.dispose();
    }
    const children: { child: ChildProcess; role: string; logFile: string; port: number }[] = [
      { child: zk, role: 'zookeeper', logFile: desc.zookeeperLog, port: zkPort },
    ];
    for (const b of desc.brokerList) {
      const child = startBroker(desc, b.id, watchdog);
      b.pid = child.pid;
      children.push({ child, role: `broker ${b.id}`, logFile: b.logFile, port: b.port });
    }
    handle = new LocalKafka(desc, true, info);
    const h = handle;
    const watch = watchExits(children);
    try {
      await Promise.race([watch.failed, h.waitForLeaders([], { liveBrokers: count, timeoutMs: timeout })]);
      for (const t of opts.topics ?? []) await Promise.race([watch.failed, h.createTopic(t)]);
    } finally {
      watch.dispose();
    }
  } catch (e) {
    handle?.close();
    // Keep the directory: the error names log files inside it.
    await stopMarked(findMarkedPids(clusterId), clusterId, 2000);
    throw e;
  }
  info.startMs = Date.now() - t0;
  return handle;
}

/** A handle on a cluster started by another process (e.g. vitest's globalSetup). */
export function attachLocalKafka(descriptor: LocalKafkaDescriptor): LocalKafka {
  if (descriptor?.format !== 1 || typeof descriptor.clusterId !== 'string') {
    throw new RigConfigError('not a kafka08 LocalKafka descriptor');
  }
  return new LocalKafka(descriptor, descriptor.ownerPid === process.pid, undefined);
}

/**
 * Each setting becomes one `key=value` line: a key with `=`, `:` or spaces, or a line break in a
 * value, would write settings nobody asked for.
 */
function validBrokerProperties(
  props: StartOptions['brokerProperties'],
): Record<string, string | number | boolean> | undefined {
  if (props === undefined) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(props)) {
    if (!/^[A-Za-z0-9._-]+$/.test(key))
      throw new RigConfigError(`brokerProperties: "${key}" is not a broker property name`);
    const ok =
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && !/[\r\n]/.test(value));
    if (!ok) throw new RigConfigError(`brokerProperties: ${key} has an unusable value ${String(value)}`);
    out[key] = value;
  }
  return out;
}
