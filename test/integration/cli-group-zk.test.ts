import { describe, expect, it } from 'vitest';
import type { KafkaVersion } from '../../src/rig/index.js';
import { type CliRun, cli } from '../helpers/cli.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

// A developer's own ZooKeeper must never leak into a test.
const NO_ZK_ENV = { KAFKA08_ZOOKEEPER: '' };

async function ok(args: string[], env: Record<string, string> = NO_ZK_ENV): Promise<string> {
  const r = await cli(args, '', env);
  expect(r.stderr, `kafka08 ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

function oneErrorLine(r: CliRun): string {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0] as string;
}

const VERSIONS: KafkaVersion[] = ['0.8.2.2', '0.8.1.1'];

describe.each(VERSIONS)('kafka08 group through ZooKeeper on Kafka %s', (version) => {
  const k = () => sharedCluster(version);

  it('without --topic lists the group’s topics from ZooKeeper with offsets and lags; --list shows the group', async () => {
    const a = uniqueTopic('zkg-a');
    const b = uniqueTopic('zkg-b');
    const group = uniqueTopic('zkg');
    await k().createTopic({ name: b, partitions: 2 });
    await k().produce(
      a,
      Array.from({ length: 10 }, (_, i) => ({ value: `a${i}` })),
    );
    await k().produce(b, [
      ...Array.from({ length: 5 }, (_, i) => ({ value: `b0-${i}`, partition: 0 })),
      ...Array.from({ length: 7 }, (_, i) => ({ value: `b1-${i}`, partition: 1 })),
    ]);
    // Topic a: committed by our own consumer (OffsetCommit v0 through a broker into ZooKeeper).
    const consumed = await ok([
      'consume',
      '--brokers',
      k().brokers,
      '--topic',
      a,
      '--group',
      group,
      '--commit',
      '--count',
      '4',
    ]);
    expect(consumed.split('\n').filter((l) => l !== '')).toHaveLength(4);
    // Topic b: written the way the Java high-level consumer writes it; partition 1 only.
    await k().zkSet(`/consumers/${group}/offsets/${b}/1`, '3');

    const args = ['group', '--brokers', k().brokers, '--zookeeper', k().zookeeper, '--group', group];
    const rows = JSON.parse(await ok([...args, '--json'])) as unknown;
    const expected = [
      { group, topic: a, partition: 0, committed: '4', latest: '10', lag: '6' },
      { group, topic: b, partition: 0, committed: null, latest: '5', lag: null },
      { group, topic: b, partition: 1, committed: '3', latest: '7', lag: '4' },
    ].sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition));
    expect(rows).toEqual(expected);

    // $KAFKA08_ZOOKEEPER stands in for the flag; --partition filters; text output.
    const text = await ok(['group', '--brokers', k().brokers, '--group', group, '--partition', '1'], {
      KAFKA08_ZOOKEEPER: k().zookeeper,
    });
    expect(text).toBe(`${group}  ${b}  1  committed 3  latest 7  lag 4\n`);

    const listed = JSON.parse(
      await ok(['group', '--list', '--zookeeper', k().zookeeper, '--json']),
    ) as string[];
    expect(listed).toContain(group);
    expect(listed).toEqual([...listed].sort());
    const listText = await ok(['group', '--list', '--zookeeper', k().zookeeper]);
    expect(listText.split('\n')).toContain(group);
  });

  it('an unknown group is one error line and exit 1; a bad offset znode too', async () => {
    const missing = uniqueTopic('no-such-group');
    const r = await cli(
      ['group', '--brokers', k().brokers, '--zookeeper', k().zookeeper, '--group', missing],
      '',
      NO_ZK_ENV,
    );
    expect(r.code).toBe(1);
    expect(oneErrorLine(r)).toMatch(new RegExp(`^kafka08: GroupNotFoundError: .*${missing}`));
    expect(r.stdout).toBe('');

    const group = uniqueTopic('zkg-bad');
    const topic = uniqueTopic('zkg-bad-t');
    await k().produce(topic, [{ value: 'x' }]);
    await k().zkSet(`/consumers/${group}/offsets/${topic}/0`, 'not-a-number');
    const bad = await cli(
      ['group', '--brokers', k().brokers, '--zookeeper', k().zookeeper, '--group', group],
      '',
      NO_ZK_ENV,
    );
    expect(bad.code).toBe(1);
    expect(oneErrorLine(bad)).toMatch(/^kafka08: BadOffsetZnodeError: .*not-a-number/);
  });
});

describe('kafka08 group usage errors about ZooKeeper', () => {
  it('without --topic and without --zookeeper says --zookeeper enables listing; --list needs it', async () => {
    const b = sharedCluster('0.8.2.2').brokers;
    const r = await cli(['group', '--brokers', b, '--group', 'g'], '', NO_ZK_ENV);
    expect(r.code).toBe(2);
    expect(oneErrorLine(r)).toMatch(/--topic is required without --zookeeper/);
    const l = await cli(['group', '--list'], '', NO_ZK_ENV);
    expect(l.code).toBe(2);
    expect(oneErrorLine(l)).toMatch(/--list needs --zookeeper/);
    const s = await cli(
      [
        'group',
        '--brokers',
        b,
        '--group',
        'g',
        '--zookeeper',
        sharedCluster('0.8.2.2').zookeeper,
        '--storage',
        'kafka',
      ],
      '',
      NO_ZK_ENV,
    );
    expect(s.code).toBe(2);
    expect(oneErrorLine(s)).toMatch(/--storage kafka needs --topic/);
  });
});
