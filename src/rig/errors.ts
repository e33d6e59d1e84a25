import { Kafka08Error } from '../protocol/errors.js';

/** Base of every failure of the local broker rig (artifacts, JVMs, ports, helper commands). */
export class RigError extends Kafka08Error {}

/** No usable `java` (or `javac`) executable was found. */
export class JavaNotFoundError extends RigError {
  readonly tried: string;
  constructor(tried: string, detail: string) {
    super(
      `no usable Java found (tried ${tried}): ${detail}. Install a JDK 17+ or set KAFKA08_JAVA / JAVA_HOME.`,
    );
    this.tried = tried;
  }
}

/** Maven is needed once per Kafka version to fetch the jars, and it is missing. */
export class MavenNotFoundError extends RigError {
  readonly tried: string;
  constructor(tried: string, detail: string) {
    super(
      `Maven is needed to fetch the Kafka jars once, but "${tried}" could not be run: ${detail}. ` +
        'Install Maven or set KAFKA08_MVN.',
    );
    this.tried = tried;
  }
}

/** Maven ran but failed; `outputTail` holds the end of its output. */
export class MavenFailedError extends RigError {
  readonly outputTail: string;
  readonly exitCode: number | null;
  constructor(exitCode: number | null, outputTail: string, pomPath: string) {
    super(`Maven failed (exit ${exitCode}) fetching Kafka jars with ${pomPath}:\n${outputTail}`);
    this.outputTail = outputTail;
    this.exitCode = exitCode;
  }
}

/** Compiling the JVM helper failed. */
export class ToolCompileError extends RigError {
  readonly outputTail: string;
  constructor(outputTail: string) {
    super(`javac failed compiling the kafka08 JVM helper:\n${outputTail}`);
    this.outputTail = outputTail;
  }
}

/** A port the rig was asked to use (or picked) is already taken. */
export class PortInUseError extends RigError {
  readonly port: number;
  readonly logFile: string | undefined;
  constructor(port: number, role: string, logFile?: string) {
    super(`port 127.0.0.1:${port} for ${role} is already in use${logFile ? ` (see ${logFile})` : ''}`);
    this.port = port;
    this.logFile = logFile;
  }
}

/** A ZooKeeper or Kafka JVM exited while the rig was starting it. */
export class JvmExitedError extends RigError {
  readonly role: string;
  readonly logFile: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  constructor(role: string, exitCode: number | null, signal: string | null, logFile: string, tail: string) {
    super(`${role} JVM exited during start (code ${exitCode}, signal ${signal}); log: ${logFile}\n${tail}`);
    this.role = role;
    this.logFile = logFile;
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

/** A JVM kept running but did not become ready in time. */
export class StartTimeoutError extends RigError {
  readonly role: string;
  readonly logFile: string;
  constructor(role: string, timeoutMs: number, logFile: string, detail: string) {
    super(`${role} was not ready after ${timeoutMs} ms (${detail}); log: ${logFile}`);
    this.role = role;
    this.logFile = logFile;
  }
}

/** A command of the JVM helper (produce, create-topic, zk-get...) failed. */
export class ToolCommandError extends RigError {
  readonly command: string;
  readonly logFile: string;
  constructor(command: string, detail: string, logFile: string) {
    super(`kafka08 JVM helper command "${command}" failed: ${detail} (log: ${logFile})`);
    this.command = command;
    this.logFile = logFile;
  }
}

/** Bad options passed to the rig (unknown version, broker count out of range, bad topic spec). */
export class RigConfigError extends RigError {}
