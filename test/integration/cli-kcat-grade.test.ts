import { afterAll, describe, expect, it } from 'vitest';
import { encodeMetadataResponseBody } from '../../src/protocol/metadata.js';
import { ApiKey } from '../../src/protocol/request.js';
import { cli } from '../helpers/cli.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { FakeBroker } from '../helpers/fake-broker.js';

// What kcat users expect of `kafka08 consume`: -X properties, messages above 1 MiB without
// flags, kcat's -f tokens, -o -N, a lag summary for --group; `metadata` marks under-replication.

const k = () => sharedCluster('0.8.2.2');
const fakes: FakeBroker[] = [];
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.stop()));
});

async function seeded(prefix: string, records: { key?: string | null; value: string | Buffer | null }[]) {
  const topic = uniqueTopic(prefix);
  await k().createTopic({ name: topic, partitions: 1 });
  await k().produce(topic, records);
  return topic;
}

describe('kafka08 consume, kcat-grade', () => {
  it('reads a 3 MiB message without flags; -X lowers the ceiling to a typed one-line error', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'b');
    const topic = await seeded('cli-big', [{ value: 'small' }, { value: big }, { value: 'after' }]);
    // Lengths only: the test's own output buffer stays small.
    const r = await cli([
      'consume',
      '--brokers',
      k().brokers,
      '--topic',
      topic,
      '--exit-at-end',
      '-f',
      '%o %S\\n',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`0 5\n1 ${big.length}\n2 5\n`);

    const low = await cli([
      'consume',
      '--brokers',
      k().brokers,
      '--topic',
      topic,
      '--exit-at-end',
      '-X',
      'fetch.message.max.bytes.ceiling=2097152',
    ]);
    expect(low.code).toBe(1);
    expect(low.stderr).toMatch(
      /^kafka08: MessageTooLargeError: .*offset 1: a message of \d+ bytes does not fit/,
    );
  });

  it('-X: unknown keys and bad values are usage errors, with the likely name for a typo', async () => {
    const base = ['consume', '--brokers', k().brokers, '--topic', 'whatever'];
    const typo = await cli([...base, '-X', 'fetch.wait.max.sm=10']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/did you mean fetch\.wait\.max\.ms\?/);
    const unknown = await cli([...base, '-X', 'no.such.thing=1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/known: fetch\.message\.max\.bytes/);
    expect((await cli([...base, '-X', 'fetch.min.bytes=lots'])).code).toBe(2);
    expect((await cli([...base, '-X', 'novalue'])).code).toBe(2);
  });

  it('-f with kcat tokens prints keys and values as bytes; -o -N starts N before the end', async () => {
    const topic = await seeded('cli-fmt', [
      { key: 'a', value: 'one' },
      { key: null, value: 'two' },
      { key: 'c', value: null },
      { key: 'd', value: Buffer.from([0xff, 0x00, 0x41]) },
    ]);
    const r = await cli(
      [
        'consume',
        '--brokers',
        k().brokers,
        '--topic',
        topic,
        '--exit-at-end',
        '-f',
        '%t|%p|%o|%k(%K)=%s(%S)%%\\n',
      ],
      '',
      {},
    );
    expect(r.stderr).toBe('');
    expect(Buffer.from(r.stdout, 'latin1').length).toBeGreaterThan(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `${topic}|0|0|a(1)=one(3)%`,
      `${topic}|0|1|(-1)=two(3)%`,
      `${topic}|0|2|c(1)=(-1)%`,
    ]);
    const last = await cli([
      'consume',
      '--brokers',
      k().brokers,
      '--topic',
      topic,
      '--exit-at-end',
      '-o',
      '-2',
      '-f',
      '%o\\n',
    ]);
    expect(last.stdout).toBe('2\n3\n');
    const beyond = await cli([
      'consume',
      '--brokers',
      k().brokers,
      '--topic',
      topic,
      '--exit-at-end',
      '--offset=-99',
      '-f',
      '%o ',
    ]);
    expect(beyond.stdout).toBe('0 1 2 3 ');
    const bad = await cli(['consume', '--brokers', k().brokers, '--topic', topic, '-f', '%T %s']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Kafka 0\.8 messages have no timestamps/);
  });

  it('the binary value comes out byte for byte through -f %s', async () => {
    const value = Buffer.from([0xff, 0x00, 0x41, 0x0a, 0xc3]);
    const topic = await seeded('cli-bin', [{ value }]);
    const { execFileSync } = await import('node:child_process');
    const { CLI } = await import('../helpers/cli.js');
    const out = execFileSync(
      process.execPath,
      [CLI, 'consume', '--brokers', k().brokers, '--topic', topic, '--exit-at-end', '-f', '%s'],
      {
        env: { ...process.env, KAFKA08_BROKERS: '' },
      },
    );
    expect(out.equals(value)).toBe(true);
  });

  it('--summary prints each partition position and lag at the end; not asked for, nothing', async () => {
    const topic = await seeded('cli-lag', [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    const r = await cli([
      'consume',
      '--brokers',
      k().brokers,
      '--topic',
      topic,
      '--group',
      'lag-g',
      '--count',
      '2',
      '--summary',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`group lag-g, topic ${topic}:\n  partition 0  position 2  end 3  lag 1\n`);
    const quiet = await cli([
      'consume',
      '--brokers',
      k().brokers,
      '--topic',
      topic,
      '--group',
      'lag-g',
      '--count',
      '1',
    ]);
    expect(quiet.stderr).toBe('');
  });
});

describe('kafka08 produce -X', () => {
  it('passes producer properties; a typo or a bad value is a usage error', async () => {
    const topic = uniqueTopic('cli-produce-x');
    await k().createTopic({ name: topic, partitions: 1 });
    const base = ['produce', '--brokers', k().brokers, '--topic', topic];
    const sent = await cli([...base, '-X', 'linger.ms=0', '-X', 'batch.size=100', '--json'], 'a\nb\n');
    expect(sent.stderr).toBe('');
    expect(JSON.parse(sent.stdout)).toMatchObject({ count: 2 });
    const typo = await cli([...base, '-X', 'lingr.ms=1'], 'x\n');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/did you mean linger\.ms\?/);
    const bad = await cli([...base, '-X', 'batch.size=lots'], 'x\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^kafka08: -X .*batch\.size/);
  });
});

describe('kafka08 metadata', () => {
  it('marks a partition whose ISR is smaller than its replica set', async () => {
    const broker = await FakeBroker.start({
      handler: (req) => {
        if (req.apiKey !== ApiKey.Metadata) return undefined;
        return req.connection.respond(req, (w) =>
          encodeMetadataResponseBody(w, {
            brokers: [{ nodeId: 0, host: broker.host, port: broker.port }],
            topics: [
              {
                errorCode: 0,
                topic: 'ur',
                partitions: [
                  { errorCode: 0, partition: 0, leader: 0, replicas: [0, 1, 2], isr: [0, 1, 2] },
                  { errorCode: 0, partition: 1, leader: 0, replicas: [0, 1, 2], isr: [0] },
                ],
              },
            ],
          }),
        );
      },
    });
    fakes.push(broker);
    const r = await cli(['metadata', '--brokers', `${broker.host}:${broker.port}`, '--topic', 'ur']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes('leader'));
    expect(lines[0]).not.toMatch(/UNDER-REPLICATED/);
    expect(lines[1]).toMatch(/isr \[0\] {2}UNDER-REPLICATED$/);
    const json = await cli(['metadata', '--brokers', `${broker.host}:${broker.port}`, '--json']);
    const parsed = JSON.parse(json.stdout) as { topics: { partitions: { underReplicated: boolean }[] }[] };
    expect(parsed.topics[0]?.partitions.map((p) => p.underReplicated)).toEqual([false, true]);
  });
});
