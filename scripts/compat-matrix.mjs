#!/usr/bin/env node
// `npm run test:compat [-- VERSION...]`: the broker compatibility matrix, one vitest run per Kafka
// version (one broker's JVMs at a time), every result recorded in test/compat/last-run.json, then
// the README's "Supported brokers" table rewritten from it. Set KAFKA08_LOCK=/path to hold that
// flock(1) lock only while each version runs (machines shared with other runs).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { KAFKA_VERSIONS } = await import(join(root, 'dist', 'rig', 'versions.js'));
const ORDER = [...KAFKA_VERSIONS].sort((a, b) => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
});
const KRAFT = '4.0.0';
const asked = process.argv.slice(2);
for (const v of asked) {
  if (!KAFKA_VERSIONS.includes(v) && v !== KRAFT) {
    console.error(`unknown Kafka version ${v} (known: ${ORDER.join(', ')})`);
    process.exit(2);
  }
}
const versions = asked.length > 0 ? asked : [...ORDER, KRAFT];

const failed = [];
for (const version of versions) {
  const t0 = Date.now();
  const vitest = [
    join(root, 'node_modules', '.bin', 'vitest'),
    'run',
    '--project',
    'integration',
    version === KRAFT ? 'test/integration/kafka4-kraft.test.ts' : 'test/integration/broker-compat.test.ts',
  ];
  const [cmd, ...args] = process.env.KAFKA08_LOCK ? ['flock', process.env.KAFKA08_LOCK, ...vitest] : vitest;
  const run = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      // The test file starts the version itself: no shared 0.8 clusters beside it.
      KAFKA08_SHARED_VERSIONS: '',
      KAFKA08_COMPAT_VERSIONS: version,
      KAFKA08_COMPAT_RECORD: '1',
    },
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  console.log(`compat: Kafka ${version} ${run.status === 0 ? 'passed' : 'FAILED'} in ${secs} s`);
  if (run.status !== 0) failed.push(version);
}
const table = spawnSync(process.execPath, [join(root, 'scripts', 'compat-table.mjs')], { stdio: 'inherit' });
if (failed.length > 0) console.error(`compat: failed on ${failed.join(', ')}`);
process.exit(failed.length > 0 || table.status !== 0 ? 1 : 0);
