import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('npm run docs', () => {
  const out = mkdtempSync(join(tmpdir(), 'kafka08-docs-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds the API reference from the TSDoc comments into an HTML site', async () => {
    // The script's own options, only redirected to a scratch directory.
    const code = await new Promise<number>((resolve) => {
      execFile(
        'npm',
        ['run', '--silent', 'docs', '--', '--out', out],
        { cwd: ROOT, timeout: 120_000 },
        (err, _stdout, stderr) => {
          if (err) process.stderr.write(stderr);
          resolve(err ? (typeof err.code === 'number' ? err.code : 1) : 0);
        },
      );
    });
    expect(code).toBe(0);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    // The exported API is there, with its doc comment text, not just an empty shell.
    const consumer = readFileSync(join(out, 'classes', 'simple-consumer.SimpleConsumer.html'), 'utf8');
    expect(consumer).toContain('kafka.javaapi.consumer.SimpleConsumer');
    expect(existsSync(join(out, 'classes', 'index.FlinkKafkaConsumer082.html'))).toBe(true);
    expect(existsSync(join(out, 'functions', 'protocol.encodeMessageSet.html'))).toBe(true);
    for (const m of ['rig', 'zookeeper', 'simple-consumer'])
      expect(existsSync(join(out, 'modules', `${m}.html`))).toBe(true);
  });
});
