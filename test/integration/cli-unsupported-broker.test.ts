import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import type { FakeBroker } from '../helpers/fake-broker.js';
import { startFakeKafka4 } from '../helpers/fake-kafka4.js';

// Kafka 4.0 closes the connection on every 0.8 request; the CLI used to print "connection closed
// by the broker", which does not say why. No JVM here: a fake that behaves like 4.0 does.

const brokers: FakeBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

describe('the CLI against a broker that dropped the 0.8 protocol', () => {
  it.each([
    ['consume', (addr: string) => ['consume', '--brokers', addr, '--topic', 't']],
    ['offsets', (addr: string) => ['offsets', '--brokers', addr, '--topic', 't']],
  ])('%s says so in one line and exits 1', async (_, args) => {
    const b = await startFakeKafka4({ topic: { name: 't', partitions: 1 } });
    brokers.push(b);
    const run = await cli(args(`${b.host}:${b.port}`), '', {}, 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^kafka08: UnsupportedBrokerError: .*this broker no longer speaks the Kafka 0\.8 protocol; versions 0\.8\.0 to 3\.9 do/,
    );
  });
});
