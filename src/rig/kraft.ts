import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureArtifacts } from './artifacts.js';
import { writeLog4j } from './config.js';
import { RigError } from './errors.js';
import { registerOwned, unregisterOwned } from './hooks.js';
import { findJava } from './java.js';
import { COMMON_JVM_OPTS, watchExits } from './launch.js';
import { freePort } from './ports.js';
import { findMarkedPids, markerArgs, spawnJvm, stopMarked } from './process.js';
import { ToolServer } from './tool.js';
import { KRAFT_VERSIONS, type KraftVersion } from './versions.js';

export interface KraftNodeOptions {
  version?: KraftVersion;
  /** Path of the java executable (default KAFKA08_JAVA, JAVA_HOME, then PATH). */
  java?: string;
  /** Time allowed for the node to become ready. Default 90 s. */
  timeoutMs?: number;
}

/**
 * One combined broker+controller node of a KRaft-only Kafka (4.0+) on loopback: a broker that no
 * longer speaks the 0.8 protocol, for showing what a 0.8 client gets from it. Owned by this
 * process (its JVMs die with it); `stop()` removes its data.
 */
export class KraftNode {
  constructor(
    readonly version: KraftVersion,
    /** `127.0.0.1:port` of the PLAINTEXT listener. */
    readonly brokers: string,
    readonly dir: string,
    private readonly clusterId: string,
    private readonly tool: ToolServer,
  ) {}

  /** Creates a topic (replication 1) and writes values "partition:i" to each partition. */
  async createTopicWithData(topic: string, partitions: number, perPartition: number): Promise<number> {
    return Number(
      await this.tool.call([
        'create-topic-with-data',
        this.brokers,
        topic,
        String(partitions),
        String(perPartition),
      ]),
    );
  }

  async stop(): Promise<void> {
    this.tool.close();
    await stopMarked(findMarkedPids(this.clusterId), this.clusterId, 5000);
    unregisterOwned(this.clusterId);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startKraftNode(opts: KraftNodeOptions = {}): Promise<KraftNode> {
  const version = opts.version ?? KRAFT_VERSIONS[0];
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const java = findJava(opts.java);
  const art = await ensureArtifacts(version, java);
  const brokerPort = await freePort();
  const controllerPort = await freePort([brokerPort]);
  const dir = mkdtempSync(join(tmpdir(), 'kafka08-kraft-'));
  const clusterId = `k08-${randomBytes(5).toString('hex')}`;
  const classpath = `${art.libDir}/*`;
  const config = join(dir, 'server.properties');
  writeFileSync(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      // Both listeners on loopback only.
      `listeners=PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${brokerPort}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  // A KRaft log directory must be formatted with the cluster's id (a base64url UUID) first.
  const uuid = clusterUuid();
  await format(java.java, classpath, uuid, config);

  registerOwned(clusterId, () => findMarkedPids(clusterId));
  const consoleLog = join(dir, 'console.log');
  const child = spawnJvm(
    {
      java: java.java,
      classpath,
      toolClassesDir: art.toolClassesDir,
      jvmOptions: ['-Xmx512m', ...COMMON_JVM_OPTS, ...markerArgs(clusterId, 'kraft-1')],
      mainClass: 'kafka.Kafka',
      args: [config],
      consoleLog,
      cwd: dir,
    },
    { kind: 'owner', ownerPid: process.pid },
  );
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const tool = new ToolServer({
    java: java.java,
    classpath,
    toolClassesDir: art.toolClassesDir,
    mainClass: 'KraftTool',
    clusterId,
    logFile: join(tmp, 'tool.log'),
    log4jFile: writeLog4j(tmp, join(tmp, 'tool.log')),
  });
  const node = new KraftNode(version, `127.0.0.1:${brokerPort}`, dir, clusterId, tool);
  const watch = watchExits([
    { child, role: `Kafka ${version} (KRaft)`, logFile: consoleLog, port: brokerPort },
  ]);
  try {
    await Promise.race([watch.failed, tool.call(['wait-ready', node.brokers, String(timeoutMs)])]);
  } catch (e) {
    tool.close();
    await stopMarked(findMarkedPids(clusterId), clusterId, 2000);
    unregisterOwned(clusterId);
    throw e;
  } finally {
    watch.dispose();
  }
  return node;
}

/** Like Kafka's Uuid.randomUuid: never one starting with "-", which tools would take for an option. */
function clusterUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function format(java: string, classpath: string, uuid: string, config: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      java,
      ['-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${uuid}`, '-c', config],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new RigError(`formatting the KRaft log directory failed: ${stderr || stdout || err.message}`),
          );
        else resolve();
      },
    );
  });
}
