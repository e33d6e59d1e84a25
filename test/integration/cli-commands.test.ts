import { describe, expect, it } from 'vitest';
import type { KafkaVersion } from '../../src/rig/index.js';
import { cli } from '../helpers/cli.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

/** Runs and insists on success, so a failure shows the CLI's own error line. */
async function ok(args: string[], input = ''): Promise<string> {
  const r = await cli(args, input);
  expect(r.stderr, `kafka08 ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

interface Line {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
}

function jsonLines(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Line);
}

const VERSIONS: { version: KafkaVersion; codecs: string[] }[] = [
  { version: '0.8.2.2', codecs: ['none', 'gzip', 'snappy', 'lz4'] },
  { version: '0.8.1.1', codecs: ['none', 'gzip', 'snappy'] },
];

describe.each(VERSIONS)('kafka08 CLI on Kafka $version', ({ version, codecs }) => {
  const k = () => sharedCluster(version);

  it('produce in every codec, then consume --exit-at-end gives exactly those lines back', async () => {
    const topic = uniqueTopic('cli-codecs');
    const expected: { key: string | null; value: string | null }[] = [];
    for (const codec of codecs) {
      const input = [
        `k-${codec}|v-${codec}`,
        `no key for ${codec}`,
        `null-${codec}|NULL`,
        `|empty key`,
        `k2|with|more|bars and ünïcödé`,
        `k3|`,
      ].join('\n');
      expected.push(
        { key: `k-${codec}`, value: `v-${codec}` },
        { key: null, value: `no key for ${codec}` },
        { key: `null-${codec}`, value: null },
        { key: '', value: 'empty key' },
        { key: 'k2', value: 'with|more|bars and ünïcödé' },
        { key: 'k3', value: '' },
      );
      const args = ['produce', '--brokers', k().brokers, '--topic', topic, '--compression', codec];
      const summary = JSON.parse(
        await ok([...args, '--key-separator', '|', '--null-value', 'NULL', '--json'], `${input}\n`),
      ) as { count: number };
      expect(summary.count).toBe(6);
    }
    const got = jsonLines(
      await ok(['consume', '--brokers', k().brokers, '--topic', topic, '--exit-at-end', '--format', 'json']),
    );
    expect(got.map(({ key, value }) => ({ key, value }))).toEqual(expected);
    expect(got.map((l) => l.offset)).toEqual(expected.map((_, i) => String(i)));
    expect(new Set(got.map((l) => `${l.topic}/${l.partition}`))).toEqual(new Set([`${topic}/0`]));
    // Kafka's own SimpleConsumer reads the same values: the produced sets are real Kafka data.
    const jvm = await k().fetch(topic, 0);
    expect(jvm.map((m) => m.value?.toString() ?? null)).toEqual(expected.map((e) => e.value));
  });

  it('binary keys and values round-trip through hex and base64; --format value prints values', async () => {
    const topic = uniqueTopic('cli-enc');
    const values = [Buffer.from([0, 1, 2, 0xff, 0x0a]), Buffer.from('plain'), Buffer.alloc(0)];
    const keys = [Buffer.from([0xde, 0xad]), Buffer.from([0]), Buffer.from('k')];
    const input = values.map((v, i) => `${keys[i]!.toString('hex')} ${v.toString('base64')}`).join('\n');
    await ok(
      [
        'produce',
        '--brokers',
        k().brokers,
        '--topic',
        topic,
        '--key-separator',
        ' ',
        '--key-encoding',
        'hex',
        '--value-encoding',
        'base64',
        '--compression',
        'gzip',
      ],
      `${input}\n`,
    );
    const lines = jsonLines(
      await ok([
        'consume',
        '--brokers',
        k().brokers,
        '--topic',
        topic,
        '--exit-at-end',
        '--key-encoding',
        'base64',
        '--value-encoding',
        'hex',
      ]),
    );
    expect(lines.map((l) => l.key)).toEqual(keys.map((b) => b.toString('base64')));
    expect(lines.map((l) => l.value)).toEqual(values.map((b) => b.toString('hex')));
    const plain = await ok([
      'consume',
      '--brokers',
      k().brokers,
      '--topic',
      topic,
      '--exit-at-end',
      '--format',
      'value',
      '--value-encoding',
      'base64',
    ]);
    expect(plain).toBe(values.map((b) => `${b.toString('base64')}\n`).join(''));
  });

  it('metadata, offsets, consume --offset N --count K, and --partition on a 3-partition topic', async () => {
    const topic = uniqueTopic('cli-meta');
    await k().createTopic({ name: topic, partitions: 3 });
    const counts = [5, 0, 3];
    for (const [p, n] of counts.entries()) {
      if (n === 0) continue;
      const lines = Array.from({ length: n }, (_, i) => `p${p}-m${i}`).join('\n');
      await ok(
        ['produce', '--brokers', k().brokers, '--topic', topic, '--partition', String(p)],
        `${lines}\n`,
      );
    }
    const meta = JSON.parse(await ok(['metadata', '--brokers', k().brokers, '--topic', topic, '--json'])) as {
      brokers: { nodeId: number; port: number }[];
      topics: { topic: string; partitions: { partition: number; leader: number; isr: number[] }[] }[];
    };
    expect(meta.brokers.map((b) => b.port)).toEqual(k().brokerList.map((b) => b.port));
    expect(meta.topics).toHaveLength(1);
    expect(meta.topics[0]?.partitions.map((p) => [p.partition, p.leader, p.isr])).toEqual([
      [0, 0, [0]],
      [1, 0, [0]],
      [2, 0, [0]],
    ]);
    const offsets = JSON.parse(
      await ok(['offsets', '--brokers', k().brokers, '--topic', topic, '--json']),
    ) as {
      partition: number;
      earliest: string;
      latest: string;
    }[];
    expect(offsets.map((o) => [o.partition, o.earliest, o.latest])).toEqual(
      counts.map((n, p) => [p, '0', String(n)]),
    );
    const slice = jsonLines(
      await ok([
        'consume',
        '--brokers',
        k().brokers,
        '--topic',
        topic,
        '--partition',
        '0',
        '--offset',
        '1',
        '--count',
        '3',
      ]),
    );
    expect(slice.map((l) => [l.offset, l.value])).toEqual([
      ['1', 'p0-m1'],
      ['2', 'p0-m2'],
      ['3', 'p0-m3'],
    ]);
    const all = jsonLines(await ok(['consume', '--brokers', k().brokers, '--topic', topic, '--exit-at-end']));
    expect(all.map((l) => l.value).sort()).toEqual(
      counts.flatMap((n, p) => Array.from({ length: n }, (_, i) => `p${p}-m${i}`)).sort(),
    );
    // --offset latest with --exit-at-end has nothing to read and ends at once.
    expect(
      await ok([
        'consume',
        '--brokers',
        k().brokers,
        '--topic',
        topic,
        '--offset',
        'latest',
        '--exit-at-end',
      ]),
    ).toBe('');
  });

  it('consume --group --commit stores offsets in ZooKeeper; group shows them with the lag; a rerun resumes', async () => {
    const topic = uniqueTopic('cli-group');
    const group = uniqueTopic('g');
    await k().produce(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })),
      { compression: 'gzip' },
    );
    const before = JSON.parse(
      await ok(['group', '--brokers', k().brokers, '--group', group, '--topic', topic, '--json']),
    ) as { committed: string | null; latest: string; lag: string | null }[];
    expect(before).toEqual([{ group, topic, partition: 0, committed: null, latest: '10', lag: null }]);
    const first = jsonLines(
      await ok([
        'consume',
        '--brokers',
        k().brokers,
        '--topic',
        topic,
        '--group',
        group,
        '--commit',
        '--count',
        '4',
      ]),
    );
    expect(first.map((l) => l.value)).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(await k().zkGet(`/consumers/${group}/offsets/${topic}/0`)).toBe('4');
    const after = JSON.parse(
      await ok(['group', '--brokers', k().brokers, '--group', group, '--topic', topic, '--json']),
    ) as unknown;
    expect(after).toEqual([{ group, topic, partition: 0, committed: '4', latest: '10', lag: '6' }]);
    const rest = jsonLines(
      await ok([
        'consume',
        '--brokers',
        k().brokers,
        '--topic',
        topic,
        '--group',
        group,
        '--commit',
        '--exit-at-end',
      ]),
    );
    expect(rest.map((l) => l.value)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    const text = await ok(['group', '--brokers', k().brokers, '--group', group, '--topic', topic]);
    expect(text).toBe(`${group}  ${topic}  0  committed 10  latest 10  lag 0\n`);
  });
});

describe('kafka08 group --storage kafka on Kafka 0.8.2.2', () => {
  it('commits through the coordinator (OffsetCommit v1) and reads it back, separate from ZooKeeper', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('cli-kgroup');
    const group = uniqueTopic('kg');
    await k.produce(topic, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    const args = ['--brokers', k.brokers, '--topic', topic, '--group', group, '--storage', 'kafka'];
    await ok(['consume', ...args, '--commit', '--count', '2']);
    const rows = JSON.parse(await ok(['group', ...args, '--json'])) as unknown;
    expect(rows).toEqual([{ group, topic, partition: 0, committed: '2', latest: '3', lag: '1' }]);
    expect(await k.zkGet(`/consumers/${group}/offsets/${topic}/0`)).toBeNull();
  });
});
