import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..', '..');

// What a user gets from `npm install kafka08`: the packed tarball, installed into an empty
// project, must import (root and subpaths), ship its type declarations, run its bin, and start
// the rig from inside node_modules (the JVM helper source travels in `jvm/`).
describe('npm pack', () => {
  const work = mkdtempSync(join(tmpdir(), 'kafka08-pack-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs into a fresh project, imports, types, bin and rig work', async () => {
    await run('npm', ['pack', '--pack-destination', work, '--ignore-scripts'], { cwd: repo });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    const app = join(work, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run('npm', ['install', '--no-audit', '--no-fund', join(work, tarball!)], { cwd: app });

    writeFileSync(
      join(app, 'check.mjs'),
      `
import { writeFileSync } from 'node:fs';
const exported = {};
for (const sub of ['', '/protocol', '/simple-consumer', '/zookeeper', '/rig']) {
  exported['.' + sub] = Object.keys(await import('kafka08' + sub)).sort();
}
writeFileSync('exports.json', JSON.stringify(exported));
const { startLocalKafka } = await import('kafka08/rig');
const k = await startLocalKafka({ topics: [{ name: 'pack', partitions: 1 }] });
try {
  await k.produce('pack', [{ value: 'from-the-packed-rig' }]);
  const got = await k.fetch('pack', 0);
  console.log(JSON.stringify({ brokers: k.brokers, value: got[0].value.toString() }));
} finally {
  await k.stop();
}
`,
    );
    const { stdout } = await run('node', ['check.mjs'], { cwd: app, timeout: 120_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { brokers: string; value: string };
    expect(out.brokers).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(out.value).toBe('from-the-packed-rig');
    // The public surface changes only on purpose: a new or lost export means updating the list.
    const exported = JSON.parse(readFileSync(join(app, 'exports.json'), 'utf8')) as Record<string, string[]>;
    const expected = JSON.parse(
      readFileSync(join(import.meta.dirname, 'package-exports.json'), 'utf8'),
    ) as Record<string, string[]>;
    expect(exported).toEqual(expected);

    const pkgDir = join(app, 'node_modules', 'kafka08');
    const files = readdirSync(join(pkgDir, 'dist'));
    expect(files).toContain('index.d.ts');
    expect(readdirSync(join(pkgDir, 'jvm'))).toContain('Kafka08Tool.java');

    const help = await run(join(app, 'node_modules', '.bin', 'kafka08'), ['--help'], { cwd: app });
    expect(help.stdout).toContain('kafka08 broker up|down');
  }, 240_000);
});
