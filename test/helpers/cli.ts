import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs the built `kafka08` binary. KAFKA08_BROKERS and KAFKA08_ZOOKEEPER are cleared unless `env` sets them, so a
 * developer's own cluster never leaks into a test.
 */
export function cli(
  args: string[],
  input = '',
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<CliRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, KAFKA08_BROKERS: '', KAFKA08_ZOOKEEPER: '', ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - t0 });
      },
    );
    child.stdin?.end(input);
  });
}
