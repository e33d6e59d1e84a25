import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { writeBrokerConfig, writeLog4j, writeZookeeperConfig } from './config.js';
import type { LocalKafkaDescriptor } from './descriptor.js';
import { JvmExitedError, PortInUseError, StartTimeoutError } from './errors.js';
import { logTail, markerArgs, sleep, spawnJvm, type Watchdog } from './process.js';

export const COMMON_JVM_OPTS = [
  '-XX:+UseG1GC',
  '-Djava.net.preferIPv4Stack=true',
  '-Djava.awt.headless=true',
  // Kafka 0.8 unmaps index files through sun.nio.ch.DirectBuffer, closed by default since Java 16.
  '--add-exports=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  // snappy-java 1.0.5 (Kafka 0.8.1) injects its native loader through ClassLoader.defineClass.
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
];

export function zookeeperDir(d: LocalKafkaDescriptor): string {
  return join(d.dir, 'zookeeper');
}

export function startZookeeper(d: LocalKafkaDescriptor, port: number, watchdog: Watchdog): ChildProcess {
  const dir = zookeeperDir(d);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const log4j = writeLog4j(dir, d.zookeeperLog);
  const config = writeZookeeperConfig(dir, join(dir, 'data'), port, d.version);
  return spawnJvm(
    {
      java: d.java,
      classpath: d.classpath,
      toolClassesDir: d.toolClassesDir,
      jvmOptions: [
        '-Xmx256m',
        ...COMMON_JVM_OPTS,
        `-Dlog4j.configuration=file:${log4j}`,
        ...markerArgs(d.clusterId, 'zookeeper'),
      ],
      mainClass: 'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      args: [config],
      consoleLog: join(dir, 'console.log'),
      cwd: dir,
    },
    watchdog,
  );
}

export function startBroker(d: LocalKafkaDescriptor, id: number, watchdog: Watchdog): ChildProcess {
  const b = d.brokerList.find((x) => x.id === id);
  if (!b) throw new Error(`no broker ${id}`);
  mkdirSync(join(b.dir, 'data'), { recursive: true });
  const log4j = writeLog4j(b.dir, b.logFile);
  const config = writeBrokerConfig(b.dir, {
    version: d.version,
    id,
    port: b.port,
    logDir: join(b.dir, 'data'),
    zookeeper: d.zookeeper,
    brokerCount: d.brokerList.length,
    ...(d.brokerProperties === undefined ? {} : { overrides: d.brokerProperties }),
  });
  return spawnJvm(
    {
      java: d.java,
      classpath: d.classpath,
      toolClassesDir: d.toolClassesDir,
      jvmOptions: [
        '-Xmx768m',
        ...COMMON_JVM_OPTS,
        `-Dlog4j.configuration=file:${log4j}`,
        ...markerArgs(d.clusterId, `broker-${id}`),
      ],
      mainClass: 'kafka.Kafka',
      args: [config],
      consoleLog: join(b.dir, 'console.log'),
      cwd: b.dir,
    },
    watchdog,
  );
}

export interface ExitWatch {
  /** Rejects with a typed error as soon as any watched JVM exits. */
  failed: Promise<never>;
  dispose(): void;
}

/** Turns "a JVM died while we were waiting for it" into a typed error naming its log. */
export function watchExits(
  children: { child: ChildProcess; role: string; logFile: string; port: number }[],
): ExitWatch {
  const cleanups: (() => void)[] = [];
  const failed = new Promise<never>((_, reject) => {
    for (const { child, role, logFile, port } of children) {
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        // Give log4j's file a moment to reach the disk before reading its tail.
        setTimeout(() => {
          const tail = `${logTail(logFile)}\n${logTail(join(logFile, '..', 'console.log'), 10)}`;
          if (/BindException|Address already in use/.test(tail))
            reject(new PortInUseError(port, role, logFile));
          else reject(new JvmExitedError(role, code, signal, logFile, tail));
        }, 200);
      };
      child.once('exit', onExit);
      cleanups.push(() => child.off('exit', onExit));
    }
  });
  failed.catch(() => {});
  return {
    failed,
    dispose: () => {
      for (const c of cleanups) c();
    },
  };
}

/** ZooKeeper answers the four-letter word `ruok` with `imok` once it serves clients. */
export async function waitForZookeeper(port: number, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    last = await ruok(port);
    if (last === 'imok') return;
    await sleep(100);
  }
  throw new StartTimeoutError('zookeeper', timeoutMs, logFile, last);
}

function ruok(port: number): Promise<string> {
  return new Promise((resolve) => {
    let reply = '';
    const sock = createConnection({ host: '127.0.0.1', port }, () => sock.write('ruok'));
    sock.setTimeout(1000, () => sock.destroy());
    sock.on('data', (d) => {
      reply += d.toString('latin1');
    });
    sock.on('error', (e) => resolve(e.message));
    sock.on('close', () => resolve(reply || 'connection closed'));
  });
}
