import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerInfo, LocalKafkaDescriptor } from './descriptor.js';
import { RigConfigError, RigError, StartTimeoutError } from './errors.js';
import { unregisterOwned } from './hooks.js';
import { startBroker, startZookeeper, waitForZookeeper, watchExits } from './launch.js';
import {
  findMarkedPids,
  isAlive,
  killMarked,
  sleep,
  stopMarked,
  type Watchdog,
  waitForExit,
} from './process.js';
import { decodeFetchFile, encodeRecordsFile, type FetchedRecord, type RigRecord } from './records.js';
import { ToolServer } from './tool.js';
import { type Compression, supportedCompressions, versionProfile } from './versions.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor?: number;
  /** Topic-level settings, e.g. `{ 'compression.type': 'zstd' }` (written before the topic). */
  config?: Readonly<Record<string, string>>;
}

export interface StartInfo {
  /** Jars and compiled helper both came from the cache: no Maven, no javac. */
  cacheUsed: boolean;
  mavenRan: boolean;
  toolCompiled: boolean;
  startMs: number;
}

let fileCounter = 0;

/** A running ZooKeeper + Kafka 0.8 cluster, owned by this process or attached from a descriptor. */
export class LocalKafka {
  private readonly desc: LocalKafkaDescriptor;
  private readonly tool: ToolServer;
  private stopped = false;

  constructor(
    desc: LocalKafkaDescriptor,
    readonly isOwner: boolean,
    readonly startInfo: StartInfo | undefined,
  ) {
    this.desc = structuredClone(desc);
    const tmp = join(desc.dir, 'tmp');
    mkdirSync(tmp, { recursive: true });
    this.tool = new ToolServer({
      java: desc.java,
      classpath: desc.classpath,
      toolClassesDir: desc.toolClassesDir,
      mainClass: versionProfile(desc.version).toolMainClass,
      clusterId: desc.clusterId,
      logFile: join(tmp, `tool-${process.pid}.log`),
      log4jFile: writeToolLog4j(tmp),
    });
  }

  get version() {
    return this.desc.version;
  }
  get clusterId(): string {
    return this.desc.clusterId;
  }
  /** `host:port,host:port` bootstrap list. */
  get brokers(): string {
    return this.desc.brokers;
  }
  get brokerList(): BrokerInfo[] {
    return this.desc.brokerList.map(({ id, host, port }) => ({ id, host, port }));
  }
  get zookeeper(): string {
    return this.desc.zookeeper;
  }
  get dir(): string {
    return this.desc.dir;
  }

  descriptor(): LocalKafkaDescriptor {
    return structuredClone(this.desc);
  }

  async createTopic(spec: TopicSpec): Promise<void> {
    validateTopic(spec, this.desc.brokerList.length);
    await this.tool.call([
      'create-topic',
      this.zookeeper,
      spec.name,
      String(spec.partitions),
      String(spec.replicationFactor ?? 1),
      Object.entries(spec.config ?? {})
        .map(([key, value]) => `${key}=${value}`)
        .join('\n'),
    ]);
    await this.waitForLeaders([spec]);
  }

  /**
   * Produces through Kafka's own JVM producer (acks=-1, sync), each record to its explicit
   * partition (default 0). Returns the number of records sent.
   */
  async produce(
    topic: string,
    records: readonly RigRecord[],
    opts: { compression?: Compression } = {},
  ): Promise<number> {
    const compression = opts.compression ?? 'none';
    if (!supportedCompressions(this.version).includes(compression)) {
      throw new RigConfigError(`Kafka ${this.version} does not support ${compression} compression`, {
        topic,
      });
    }
    const file = this.tmpFile('records');
    writeFileSync(file, encodeRecordsFile(records));
    try {
      return Number(await this.tool.call(['produce', this.brokers, topic, compression, file]));
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** Reads one fetch worth of messages with Kafka's own SimpleConsumer (decompressed). */
  async fetch(
    topic: string,
    partition: number,
    offset = 0n,
    maxBytes = 16 * 1024 * 1024,
  ): Promise<FetchedRecord[]> {
    const file = this.tmpFile('fetch');
    try {
      await this.tool.call([
        'fetch',
        this.brokers,
        topic,
        String(partition),
        String(offset),
        String(maxBytes),
        file,
      ]);
      return decodeFetchFile(readFileSync(file));
    } finally {
      rmSync(file, { force: true });
    }
  }

  /**
   * The group's committed offset as this version's own consumer reads it from Kafka (OffsetFetch
   * v1 or later), or -1n when it has none. Kafka 0.9 and later only.
   */
  async committedOffset(group: string, topic: string, partition: number): Promise<bigint> {
    if (versionProfile(this.version).toolMainClass !== 'KafkaClientsTool') {
      throw new RigConfigError(`committedOffset needs Kafka 0.9 or later, this is ${this.version}`);
    }
    return BigInt(await this.tool.call(['committed', this.brokers, group, topic, String(partition)]));
  }

  /** Data of a znode as a string, or null when the node does not exist. */
  async zkGet(path: string): Promise<string | null> {
    const r = await this.tool.call(['zk-get', this.zookeeper, path]);
    return r.startsWith('=') ? r.slice(1) : null;
  }

  /** Writes a znode, creating it and its parents when missing. */
  async zkSet(path: string, data: string): Promise<void> {
    await this.tool.call(['zk-set', this.zookeeper, path, data]);
  }

  /** Sorted child names; a missing node has none. */
  async zkChildren(path: string): Promise<string[]> {
    const r = await this.tool.call(['zk-children', this.zookeeper, path]);
    return r === '' ? [] : r.split('\n');
  }

  /** Ids of brokers currently registered in ZooKeeper. */
  async liveBrokerIds(): Promise<number[]> {
    return (await this.zkChildren('/brokers/ids')).map(Number).sort((a, b) => a - b);
  }

  /**
   * Waits until every live broker's metadata shows a live leader for every partition of the
   * topics, with `liveBrokers` (default: those registered now) in ZooKeeper. Returns
   * `topic/partition` → leader id.
   */
  async waitForLeaders(
    topics: readonly { name: string; partitions: number }[],
    opts: { liveBrokers?: number; timeoutMs?: number } = {},
  ): Promise<Map<string, number>> {
    const live = await this.liveBrokerIds();
    const expected = opts.liveBrokers ?? live.length;
    const bootstrap = this.desc.brokerList
      .filter((b) => live.includes(b.id))
      .map((b) => `${b.host}:${b.port}`)
      .join(',');
    const spec = topics.map((t) => `${t.name}:${t.partitions}`).join(',');
    const timeout = opts.timeoutMs ?? 60_000;
    const r = await this.tool.call([
      'wait-leaders',
      bootstrap || this.brokers,
      this.zookeeper,
      String(expected),
      String(timeout),
      spec,
    ]);
    const leaders = new Map<string, number>();
    for (const item of r.split(',')) {
      const eq = item.lastIndexOf('=');
      if (eq > 0) leaders.set(item.slice(0, eq), Number(item.slice(eq + 1)));
    }
    return leaders;
  }

  /**
   * Stops one broker (SIGTERM by default; SIGKILL for a crash) and waits until it has left
   * ZooKeeper, so its partitions' leadership is moving when this returns.
   */
  async killBroker(id: number, opts: { signal?: 'SIGTERM' | 'SIGKILL' } = {}): Promise<void> {
    this.broker(id);
    const pids = findMarkedPids(this.clusterId, `broker-${id}`);
    for (const pid of pids) killMarked(pid, this.clusterId, opts.signal ?? 'SIGTERM');
    const left = await waitForExit(pids, 15_000);
    for (const pid of left) killMarked(pid, this.clusterId, 'SIGKILL');
    await waitForExit(left, 5000);
    const deadline = Date.now() + 20_000;
    while ((await this.liveBrokerIds()).includes(id)) {
      if (Date.now() > deadline)
        throw new RigError(`broker ${id} still registered in ZooKeeper 20 s after it was killed`);
      await sleep(100);
    }
  }

  /**
   * Stops ZooKeeper (SIGKILL by default, a crash) and waits until its JVM is gone. Brokers and
   * clients keep their sessions only if it is back within their session timeouts.
   */
  async killZookeeper(opts: { signal?: 'SIGTERM' | 'SIGKILL' } = {}): Promise<void> {
    const pids = findMarkedPids(this.clusterId, 'zookeeper');
    for (const pid of pids) killMarked(pid, this.clusterId, opts.signal ?? 'SIGKILL');
    const left = await waitForExit(pids, 15_000);
    for (const pid of left) killMarked(pid, this.clusterId, 'SIGKILL');
    await waitForExit(left, 5000);
  }

  /** Starts a stopped ZooKeeper again, same port and data, and waits until it serves clients. */
  async restartZookeeper(timeoutMs = 60_000): Promise<void> {
    if (findMarkedPids(this.clusterId, 'zookeeper').length > 0) {
      throw new RigError(`ZooKeeper of cluster ${this.clusterId} is still running`);
    }
    const port = Number(this.desc.zookeeper.slice(this.desc.zookeeper.lastIndexOf(':') + 1));
    const child = startZookeeper(this.desc, port, this.watchdog());
    this.desc.zookeeperPid = child.pid;
    const logFile = this.desc.zookeeperLog;
    const watch = watchExits([{ child, role: 'zookeeper', logFile, port }]);
    try {
      await Promise.race([watch.failed, waitForZookeeper(port, timeoutMs, logFile)]);
    } finally {
      watch.dispose();
    }
  }

  /** Starts a stopped broker again with its old data and waits until it is registered and serving. */
  async restartBroker(id: number, timeoutMs = 60_000): Promise<void> {
    const b = this.broker(id);
    if (findMarkedPids(this.clusterId, `broker-${id}`).length > 0) {
      throw new RigError(`broker ${id} of cluster ${this.clusterId} is still running`);
    }
    const child = startBroker(this.desc, id, this.watchdog());
    b.pid = child.pid;
    const watch = watchExits([{ child, role: `broker ${id}`, logFile: b.logFile, port: b.port }]);
    try {
      const deadline = Date.now() + timeoutMs;
      await Promise.race([
        watch.failed,
        (async () => {
          while (!(await this.liveBrokerIds()).includes(id)) {
            if (Date.now() > deadline)
              throw new StartTimeoutError(
                `broker ${id}`,
                timeoutMs,
                b.logFile,
                'not registered in ZooKeeper',
              );
            await sleep(100);
          }
          const live = await this.liveBrokerIds();
          await this.tool.call([
            'wait-leaders',
            `${b.host}:${b.port}`,
            this.zookeeper,
            String(live.length),
            String(Math.max(1000, deadline - Date.now())),
            '',
          ]);
        })(),
      ]);
    } finally {
      watch.dispose();
    }
  }

  /**
   * Stops every JVM of the cluster (only the owner may) and removes its data unless kept, by the
   * start options or by `opts.keepData` (e.g. a failed test's logs, kept for reading).
   */
  async stop(opts: { keepData?: boolean } = {}): Promise<void> {
    if (!this.isOwner)
      throw new RigError(`only the process that started cluster ${this.clusterId} can stop it`);
    if (this.stopped) return;
    this.stopped = true;
    this.tool.close();
    await stopMarked(findMarkedPids(this.clusterId), this.clusterId, 5000);
    unregisterOwned(this.clusterId);
    if (!(opts.keepData ?? this.desc.keepData)) removeData(this.desc);
  }

  /** Closes this handle's helper JVM; attached handles call this when done (optional). */
  close(): void {
    this.tool.close();
  }

  /** Pids of the cluster's JVMs that are running now (found by their command-line marker). */
  runningPids(): number[] {
    return findMarkedPids(this.clusterId).filter(isAlive);
  }

  /** JVMs started later die with the cluster's owner, like the ones started with it. */
  private watchdog(): Watchdog {
    if (this.isOwner) return { kind: 'owner', ownerPid: process.pid };
    return this.desc.ownerPid !== null ? { kind: 'pid', ownerPid: this.desc.ownerPid } : { kind: 'none' };
  }

  private broker(id: number) {
    const b = this.desc.brokerList.find((x) => x.id === id);
    if (!b) throw new RigConfigError(`cluster ${this.clusterId} has no broker ${id}`);
    return b;
  }

  private tmpFile(kind: string): string {
    fileCounter += 1;
    return join(this.desc.dir, 'tmp', `${kind}-${process.pid}-${fileCounter}.bin`);
  }
}

export function removeData(d: LocalKafkaDescriptor): void {
  if (d.ownsDir) {
    rmSync(d.dir, { recursive: true, force: true });
    return;
  }
  rmSync(join(d.dir, 'zookeeper'), { recursive: true, force: true });
  rmSync(join(d.dir, 'tmp'), { recursive: true, force: true });
  for (const b of d.brokerList) rmSync(b.dir, { recursive: true, force: true });
}

export function validateTopic(spec: TopicSpec, brokerCount: number): void {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(spec.name)) throw new RigConfigError(`bad topic name "${spec.name}"`);
  for (const [key, value] of Object.entries(spec.config ?? {})) {
    if (!/^[a-z0-9._-]+$/.test(key) || /[\n\r\\]/.test(value)) {
      throw new RigConfigError(`topic ${spec.name}: bad config entry ${JSON.stringify(key)}`, {
        topic: spec.name,
      });
    }
  }
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw new RigConfigError(`topic ${spec.name}: partitions must be a positive integer`, {
      topic: spec.name,
    });
  }
  const rf = spec.replicationFactor ?? 1;
  if (!Number.isInteger(rf) || rf < 1 || rf > brokerCount) {
    throw new RigConfigError(`topic ${spec.name}: replication factor ${rf} needs 1..${brokerCount} brokers`, {
      topic: spec.name,
    });
  }
}

function writeToolLog4j(dir: string): string {
  const path = join(dir, `tool-${process.pid}-log4j.properties`);
  writeFileSync(
    path,
    [
      'log4j.rootLogger=WARN, file',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${join(dir, `tool-${process.pid}.log`)}`,
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );
  return path;
}
