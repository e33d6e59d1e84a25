import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

/** One "kafka08: ..." line on stderr, nothing on stdout, no stack trace, the expected exit code. */
async function failsWith(args: string[], code: number, pattern: RegExp, input = '', env = {}): Promise<void> {
  const r = await cli(args, input, env);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^kafka08: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(code);
}

describe('kafka08 CLI error paths', () => {
  const brokers = () => sharedCluster('0.8.2.2').brokers;

  it('an unknown topic is reported, not auto-created, by consume, offsets, metadata and group', async () => {
    const topic = uniqueTopic('cli-missing');
    await failsWith(
      ['consume', '--brokers', brokers(), '--topic', topic],
      1,
      /UnknownTopicError: topic .* does not exist/,
    );
    await failsWith(['offsets', '--brokers', brokers(), '--topic', topic], 1, /UnknownTopicError/);
    await failsWith(['metadata', '--brokers', brokers(), '--topic', topic], 1, /UnknownTopicError/);
    await failsWith(
      ['group', '--brokers', brokers(), '--topic', topic, '--group', 'g'],
      1,
      /UnknownTopicError/,
    );
    const meta = await cli(['metadata', '--brokers', brokers(), '--json']);
    expect(meta.code).toBe(0);
    expect(meta.stdout).not.toContain(topic);
  });

  it('an unreachable broker is one line, from the flag or from KAFKA08_BROKERS, and quick', async () => {
    const t0 = Date.now();
    await failsWith(
      ['consume', '--brokers', '127.0.0.1:1', '--topic', 't'],
      1,
      /NoBrokerAvailableError.*127\.0\.0\.1:1/,
    );
    await failsWith(['metadata'], 1, /NoBrokerAvailableError.*127\.0\.0\.1:1/, '', {
      KAFKA08_BROKERS: '127.0.0.1:1',
    });
    await failsWith(
      ['produce', '--brokers', '127.0.0.1:1', '--topic', 't'],
      1,
      /NoBrokerAvailableError/,
      'x\n',
    );
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('bad flags and values are usage errors (exit 2)', async () => {
    const b = brokers();
    await failsWith(['consume', '--brokers', b, '--topic', 't', '--bogus'], 2, /Unknown option '--bogus'/);
    await failsWith(['consume', '--brokers', b], 2, /--topic is required/);
    await failsWith(
      ['consume', '--brokers', b, '--topic', 't', '--offset', 'soon'],
      2,
      /--offset wants an offset/,
    );
    await failsWith(
      ['consume', '--brokers', b, '--topic', 't', '--format', 'xml'],
      2,
      /--format must be one of json, value/,
    );
    await failsWith(['consume', '--brokers', b, '--topic', 't', '--commit'], 2, /--commit needs --group/);
    await failsWith(['consume', '--brokers', 'nocolon', '--topic', 't'], 1, /InvalidSeedBrokersError/);
    await failsWith(['produce', '--brokers', b, '--topic', 't', '--compression', 'zstd'], 2, /--compression/);
    await failsWith(['group', '--brokers', b, '--group', 'g'], 2, /--topic is required .*ZooKeeper/);
    await failsWith(['frobnicate'], 2, /unknown command "frobnicate"/);
  });

  it('an offset outside the log and undecodable input name the problem', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('cli-range');
    await k.produce(topic, [{ value: 'only' }]);
    await failsWith(
      ['consume', '--brokers', k.brokers, '--topic', topic, '--offset', '5'],
      2,
      /--offset 5 is outside partition 0 .* 0\.\.1/,
    );
    await failsWith(
      ['produce', '--brokers', k.brokers, '--topic', topic, '--value-encoding', 'hex'],
      2,
      /the value on line 2 is not valid hex/,
      'cafe\nxyz\n',
    );
    await failsWith(
      ['consume', '--brokers', k.brokers, '--topic', topic, '--partition', '3'],
      1,
      /has no partition 3/,
    );
  });

  it('--storage kafka on a 0.8.1 broker says it needs 0.8.2, in one line', async () => {
    const k = sharedCluster('0.8.1.1');
    const topic = uniqueTopic('cli-081');
    await k.produce(topic, [{ value: 'x' }]);
    await failsWith(
      ['group', '--brokers', k.brokers, '--topic', topic, '--group', 'g', '--storage', 'kafka'],
      1,
      /CoordinatorLookupError: .*--storage kafka needs Kafka 0\.8\.2 brokers/,
    );
  });

  it('--help prints a command’s usage and exits 0', async () => {
    const r = await cli(['consume', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: kafka08 consume --topic T/);
    expect(r.stdout).toContain('--exit-at-end');
  });
});
