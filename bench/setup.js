// `npm run bench:setup`: installs the peer clients into bench/peers (never into kafka08's own
// dependencies). node-rdkafka compiles librdkafka with node-gyp, which can take minutes or fail;
// when the combined install fails, each peer is installed alone so one failure does not hide
// the others. bench/peers/install-status.json records what happened; the runner reports a
// peer that failed to install as such in the results table.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const peers = join(dirname(fileURLToPath(import.meta.url)), 'peers');
const deps = JSON.parse(readFileSync(join(peers, 'package.json'), 'utf8')).dependencies;
const npm = (args) =>
  spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd: peers, encoding: 'utf8', stdio: 'pipe' });

const status = {};
const all = npm(['install']);
if (all.status === 0) {
  for (const name of Object.keys(deps)) status[name] = loadable(name);
} else {
  process.stderr.write(`combined peer install failed; installing peers one by one\n${tail(all.stderr)}\n`);
  for (const [name, version] of Object.entries(deps)) {
    const r = npm(['install', '--no-save', `${name}@${version}`]);
    status[name] = r.status === 0 ? loadable(name) : { ok: false, reason: tail(r.stderr) };
  }
}
writeFileSync(join(peers, 'install-status.json'), `${JSON.stringify(status, null, 2)}\n`);
for (const [name, s] of Object.entries(status))
  console.log(`${name}: ${s.ok ? 'installed' : `FAILED: ${s.reason}`}`);

function loadable(name) {
  try {
    createRequire(join(peers, 'package.json'))(name);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: String(e.message).split('\n')[0] };
  }
}

function tail(text) {
  return String(text ?? '')
    .split('\n')
    .filter((l) => l.trim() && !l.includes('Unknown user config'))
    .slice(-6)
    .join(' | ')
    .slice(0, 600);
}
