import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { RigError, ToolCommandError } from './errors.js';
import { markerArgs } from './process.js';

export interface ToolConfig {
  java: string;
  classpath: string;
  toolClassesDir: string;
  /** Kafka08Tool or KafkaClientsTool, whichever was built for this version. */
  mainClass: string;
  clusterId: string;
  logFile: string;
  log4jFile: string;
}

interface Pending {
  command: string;
  resolve: (v: string) => void;
  reject: (e: Error) => void;
}

/**
 * One long-lived helper JVM per handle, serving one command per stdin line. This saves a JVM
 * start (~0.5 s) per produce/zk call; its stdin closing ends it, so it never outlives us.
 */
export class ToolServer {
  private child: ChildProcessWithoutNullStreams | undefined;
  private queue: Pending[] = [];
  private ready: Promise<void> | undefined;
  private exitError: Error | undefined;

  constructor(private readonly cfg: ToolConfig) {}

  async call(args: string[]): Promise<string> {
    await this.start();
    const child = this.child;
    if (!child || this.exitError) throw this.exitError ?? new RigError('helper JVM not running');
    this.setRef(child, true);
    try {
      return await new Promise<string>((resolve, reject) => {
        this.queue.push({ command: args[0] ?? '', resolve, reject });
        child.stdin.write(`${args.map((a) => Buffer.from(a, 'utf8').toString('base64')).join('\t')}\n`);
      });
    } finally {
      if (this.queue.length === 0) this.setRef(child, false);
    }
  }

  /** Holds the event loop open only while a reply is awaited, so an idle helper never blocks exit. */
  private setRef(child: ChildProcessWithoutNullStreams, on: boolean): void {
    for (const h of [child, child.stdin, child.stdout, child.stderr] as unknown as {
      ref?: () => void;
      unref?: () => void;
    }[]) {
      if (on) h.ref?.();
      else h.unref?.();
    }
  }

  close(): void {
    this.child?.stdin.end();
    this.child?.kill('SIGKILL');
    this.child = undefined;
    this.ready = undefined;
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    this.exitError = undefined;
    const { cfg } = this;
    const child = spawn(
      cfg.java,
      [
        '-Xmx512m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '--add-opens=java.base/java.lang=ALL-UNNAMED',
        '--add-opens=java.base/java.nio=ALL-UNNAMED',
        `-Dlog4j.configuration=file:${cfg.log4jFile}`,
        ...markerArgs(cfg.clusterId, `tool-${process.pid}`),
        '-cp',
        `${cfg.toolClassesDir}:${cfg.classpath}`,
        cfg.mainClass,
        'serve',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child = child;
    let stderrTail = '';
    child.stderr.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString('utf8')).slice(-4000);
    });
    child.stdin.on('error', () => {});
    const ready = new Promise<void>((resolve, reject) => {
      let isReady = false;
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        if (!isReady) {
          if (line === 'READY') {
            isReady = true;
            resolve();
          }
          return;
        }
        const p = this.queue.shift();
        if (!p) return;
        const tab = line.indexOf('\t');
        const status = line.slice(0, tab);
        const body = Buffer.from(line.slice(tab + 1), 'base64').toString('utf8');
        if (status === 'OK') p.resolve(body);
        else p.reject(new ToolCommandError(p.command, body, cfg.logFile));
      });
      const fail = (why: string) => {
        const err = new ToolCommandError('serve', `${why}\n${stderrTail.trim()}`, cfg.logFile);
        this.exitError = err;
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        if (!isReady) reject(err);
        for (const p of this.queue.splice(0)) p.reject(err);
      };
      child.on('error', (e) => fail(`cannot start ${cfg.java}: ${e.message}`));
      child.on('exit', (code, signal) => fail(`helper JVM exited (code ${code}, signal ${signal})`));
    });
    this.ready = ready.finally(() => this.setRef(child, false));
    return this.ready;
  }
}
