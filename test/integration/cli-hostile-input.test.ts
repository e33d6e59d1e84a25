import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeMessageSet } from '../../src/protocol/message-set-encode.js';
import { produceRequest } from '../../src/protocol/produce.js';
import { BrokerConnection } from '../../src/simple-consumer/connection.js';
import { CLI, cli } from '../helpers/cli.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { FakeCluster } from '../unit/simple-consumer/fetch-engine-fake-cluster.js';

// The CLI meets a message far bigger than its fetch (compressed small) and a broker whose answers
// cannot be decoded: it prints the first and says what is wrong about the second, one line, exit 1.

const connections: BrokerConnection[] = [];
const fakes: FakeCluster[] = [];
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await Promise.all(fakes.map((f) => f.stop()));
});

interface CountedRun {
  code: number;
  bytes: number;
  head: string;
  tail: string;
  stderr: string;
  /** Peak RSS of the process (VmHWM), sampled every 20 ms. */
  peakMiB: number;
}

/** Runs `kafka08 consume`, counting stdout instead of keeping it; keeps its first and last bytes. */
function consumeCounting(args: string[]): Promise<CountedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'consume', ...args], {
      env: { ...process.env, KAFKA08_BROKERS: '' },
    });
    let bytes = 0;
    let head = '';
    let tail = Buffer.alloc(0);
    let stderr = '';
    let peakKiB = 0;
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        // It exited between two samples.
      }
    }, 20);
    child.stdout.on('data', (d: Buffer) => {
      if (head.length < 200) head += d.subarray(0, 200 - head.length).toString('latin1');
      bytes += d.length;
      tail = Buffer.concat([tail, d]).subarray(-200);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sample);
      resolve({
        code: code ?? 1,
        bytes,
        head,
        tail: tail.toString('latin1'),
        stderr,
        peakMiB: peakKiB / 1024,
      });
    });
  });
}

describe('kafka08 consume on hostile input', () => {
  it('prints a 63 MiB message (a 64 KB gzip wrapper) as one JSON line, without a crash', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('cli-huge');
    await k.createTopic({ name: topic, partitions: 1 });
    const [broker] = k.brokerList;
    if (!broker) throw new Error('no broker');
    const c = new BrokerConnection({
      host: broker.host,
      port: broker.port,
      clientId: 'cli-huge',
      requestTimeoutMs: 60_000,
    });
    connections.push(c);
    const size = 63 * 1024 * 1024;
    const messageSet = encodeMessageSet([{ key: null, value: Buffer.alloc(size) }], { codec: 1 });
    expect(messageSet.length).toBeLessThan(100 * 1024);
    const resp = await c.send(
      produceRequest({
        requiredAcks: 1,
        timeoutMs: 30_000,
        topics: [{ topic, partitions: [{ partition: 0, messageSet }] }],
      }),
    );
    expect(resp.topics[0]?.partitions[0]?.errorCode).toBe(0);

    const r = await consumeCounting(['--brokers', k.brokers, '--topic', topic, '--exit-at-end']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const prefix = `{"topic":"${topic}","partition":0,"offset":"0","key":null,"value":"`;
    // Each zero byte is the 6 characters \u0000 in JSON.
    expect(r.bytes).toBe(prefix.length + 6 * size + '"}\n'.length);
    expect(r.head.startsWith(`${prefix}\\u0000`)).toBe(true);
    expect(r.tail.endsWith('\\u0000"}\n')).toBe(true);
    // The value is decompressed once and printed a slice at a time, not built into strings of
    // six times its size (the whole line used to be one string: about 1 GB of memory at peak).
    expect(r.peakMiB).toBeGreaterThan(63);
    expect(r.peakMiB).toBeLessThan(400);
  });

  it('says what is wrong and exits 1 when every fetch answer is undecodable, instead of retrying forever', async () => {
    const fake = await FakeCluster.start(1);
    fakes.push(fake);
    fake.addPartition('garbled', 0, 0);
    fake.append('garbled', 0, ['a', 'b']);
    fake.garbled.add(0);
    const brokers = fake.brokers.map((b) => `${b.host}:${b.port}`).join(',');
    const r = await cli(['consume', '--brokers', brokers, '--topic', 'garbled'], '', {}, 30_000);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^kafka08: UndecodableResponseError: garbled\/0 offset 0: broker 0 answered 5 fetches in a row/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(20_000);
  });
});
