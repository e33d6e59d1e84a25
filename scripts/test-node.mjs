// The suites on the other Node.js versions users run (`npm run test:node`): the unit project,
// then the integration files that reach real brokers through sockets, zlib, timers and child
// processes, each under Node 22 and 24 (binaries from scripts/node-runtime.mjs). `npm test` runs
// the short form (`--short`: the unit project on Node 24).
//
//   node scripts/test-node.mjs [--versions 22,24] [--short]
// Needs a build (dist/) for the integration files, as `npm test` does.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBinary } from './node-runtime.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const INTEGRATION = [
  'test/integration/examples.test.ts',
  'test/integration/producer-conformance.test.ts',
  'test/integration/protocol-conformance-fetch.test.ts',
  'test/integration/consumers-scenarios.test.ts',
  'test/integration/kafka-source-group.test.ts',
];

const args = process.argv.slice(2);
const short = args.includes('--short');
const at = args.indexOf('--versions');
const versions = (at >= 0 ? args[at + 1] : short ? '24' : '22,24').split(',');

const failed = [];
for (const major of versions) {
  const node = nodeBinary(major);
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const runs = [['--project', 'unit'], ...(short ? [] : [['--project', 'integration', ...INTEGRATION]])];
  for (const run of runs) {
    console.log(`\n== Node ${version}: vitest run ${run.join(' ')}`);
    const r = spawnSync(node, [VITEST, 'run', ...run], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0)
      failed.push(`Node ${version}: ${run.slice(0, 2).join(' ')} (exit ${r.status ?? r.signal})`);
  }
}
if (failed.length) {
  console.error(`\nfailed on other Node versions:\n  ${failed.join('\n  ')}`);
  process.exit(1);
}
console.log(`\npassed on Node ${versions.join(', ')}`);
