/**
 * What a compatibility run found, version by check, kept in `test/compat/last-run.json` so
 * `scripts/compat-table.mjs` can write the README's "Supported brokers" table from it. Written only
 * when KAFKA08_COMPAT_RECORD=1 (`npm run test:compat`): an ordinary `npm test` leaves it alone.
 * Runs of single versions merge into the file, so the matrix may run one version at a time.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const RESULTS_FILE = join(import.meta.dirname, 'last-run.json');

export interface CheckResult {
  status: 'pass' | 'fail';
  /** What the cell says besides pass/fail, e.g. "typed error: zstd needs Fetch v10". */
  note?: string;
  ms: number;
}

export interface VersionResults {
  ranAt: string;
  startMs?: number;
  checks: Record<string, CheckResult>;
}

export type CompatResults = Record<string, VersionResults>;

export function recording(): boolean {
  return process.env.KAFKA08_COMPAT_RECORD === '1';
}

export function readResults(file = RESULTS_FILE): CompatResults {
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as CompatResults;
}

function update(version: string, change: (v: VersionResults) => void): void {
  if (!recording()) return;
  const all = readResults();
  const v = all[version] ?? { ranAt: new Date().toISOString(), checks: {} };
  change(v);
  all[version] = v;
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  const tmp = `${RESULTS_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(tmp, RESULTS_FILE);
}

/** A fresh run of `version`: its old checks go, so a check that no longer runs leaves no stale cell. */
export function startVersion(version: string, startMs: number | undefined): void {
  update(version, (v) => {
    v.ranAt = new Date().toISOString();
    v.startMs = startMs;
    v.checks = {};
  });
}

export function recordCheck(version: string, check: string, result: CheckResult): void {
  update(version, (v) => {
    v.checks[check] = result;
  });
}
