// A Node.js binary of another major version, for running the suites on the versions users run
// (package.json says node >= 20.15). Taken from the npm registry's platform packages
// (node-<platform>-<arch>, the binaries the `node` package installs), which CI reaches anyway for
// `npm ci`, and kept under the same cache directory as the rig's Kafka jars.
//
//   node scripts/node-runtime.mjs 24      prints the path of a Node 24 binary, fetching it once
// (after `npm run build`: the cache root is the rig's own).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The rig's cache root (KAFKA08_CACHE_DIR or ~/.cache/kafka08), from the build.
const { cacheRoot } = await import('../dist/rig/index.js');

/** The path of a `node` binary of this major version; fetched and unpacked the first time. */
export function nodeBinary(major) {
  if (!/^\d+$/.test(String(major))) throw new Error(`a Node.js major version is a number, got ${major}`);
  const dir = join(cacheRoot(), 'node', `v${major}-${process.platform}-${process.arch}`);
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  const pkg = `node-${process.platform}-${process.arch}@${major}`;
  // Staged under a name of this process's own, so two suites fetching at once do not collide.
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    execFileSync('npm', ['pack', pkg, '--loglevel', 'error', '--pack-destination', staging], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 300_000,
    });
    const tgz = readdirSync(staging).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack wrote no tarball');
    execFileSync('tar', ['xzf', tgz], { cwd: staging, timeout: 120_000 });
    rmSync(join(staging, tgz));
    execFileSync(join(staging, 'package', 'bin', 'node'), ['--version'], { timeout: 30_000 });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const why = err instanceof Error ? err.stderr?.toString().trim() || err.message : String(err);
    throw new Error(`cannot get Node.js ${major} (npm package ${pkg}) from the npm registry: ${why}`);
  }
  // A directory left without its binary (an interrupted older layout) gives way.
  if (existsSync(dir) && !existsSync(bin)) rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(staging, dir);
  } catch (err) {
    // Another process put it there first: theirs is as good.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(bin)) throw err;
  }
  return bin;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(nodeBinary(process.argv[2] ?? '24'));
}
