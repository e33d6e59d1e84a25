import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JavaNotFoundError } from './errors.js';

export interface JavaTools {
  java: string;
  javac: string;
}

/** Resolves java: explicit option, then KAFKA08_JAVA, then JAVA_HOME, then PATH. */
export function findJava(explicit?: string): JavaTools {
  const candidate =
    explicit ??
    process.env.KAFKA08_JAVA ??
    (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
  const probe = spawnSync(candidate, ['-version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error || probe.status !== 0) {
    const detail = probe.error ? probe.error.message : `exit ${probe.status}: ${probe.stderr.trim()}`;
    throw new JavaNotFoundError(candidate, detail);
  }
  return { java: candidate, javac: siblingJavac(candidate) };
}

function siblingJavac(java: string): string {
  // `java` on PATH is often an alternatives symlink; the JDK's javac sits next to its real path.
  try {
    const real = candidatePath(java);
    if (real) {
      const javac = join(dirname(realpathSync(real)), 'javac');
      if (existsSync(javac)) return javac;
    }
  } catch {
    // fall through to PATH
  }
  return 'javac';
}

function candidatePath(cmd: string): string | undefined {
  if (cmd.includes('/')) return cmd;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}
