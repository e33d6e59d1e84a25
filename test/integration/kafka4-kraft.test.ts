/**
 * A real Kafka 4.0 node (KRaft, from the rig): it closes the connection on every 0.8 request
 * version, and there is no ZooKeeper. Every layer must say so with UnsupportedBrokerError, at
 * once, instead of retrying a closed connection forever.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082, SimpleStringSchema } from '../../src/index.js';
import { fetchRequest } from '../../src/protocol/fetch.js';
import { type KraftNode, startKraftNode } from '../../src/rig/index.js';
import { BrokerConnection } from '../../src/simple-consumer/connection.js';
import { UnsupportedBrokerError } from '../../src/simple-consumer/errors.js';
import { SimpleConsumer } from '../../src/simple-consumer/simple-consumer.js';
import { recordCheck, startVersion } from '../compat/results.js';
import { cli } from '../helpers/cli.js';
import { within } from '../helpers/within.js';

let node: KraftNode | undefined;
const k = () => {
  if (node === undefined) throw new Error('the Kafka 4.0 node did not start (see the beforeAll error)');
  return node;
};

beforeAll(async () => {
  const t0 = Date.now();
  node = await startKraftNode({ version: '4.0.0' });
  startVersion('4.0.0', Date.now() - t0);
  await node.createTopicWithData('t', 2, 3);
}, 300_000);
afterAll(() => node?.stop());

function check(id: string, body: () => Promise<string | undefined>): void {
  it(id, async () => {
    const t0 = Date.now();
    try {
      const note = await body();
      recordCheck('4.0.0', id, { status: 'pass', note, ms: Date.now() - t0 });
    } catch (e) {
      recordCheck('4.0.0', id, { status: 'fail', note: String(e).split('\n')[0], ms: Date.now() - t0 });
      throw e;
    }
  });
}

describe('Kafka 4.0 (KRaft) and a 0.8 client', () => {
  check('metadata', async () => {
    const [host, port] = k().brokers.split(':');
    const c = new SimpleConsumer({ host: host!, port: Number(port), brokerVersion: '0.8.2', clientId: 'k4' });
    try {
      // Still answered: the failure comes with the first request it dropped.
      const resp = await c.send(['t']);
      expect(resp.topics.find((t) => t.topic === 't')?.partitions).toHaveLength(2);
    } finally {
      await c.close();
    }
    return 'still answered (nothing else is)';
  });

  check('fetch', async () => {
    const [host, port] = k().brokers.split(':');
    const c = new BrokerConnection({ host: host!, port: Number(port), clientId: 'k4' });
    try {
      const err = await c
        .send(
          fetchRequest({
            maxWaitMs: 10,
            minBytes: 1,
            topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 0n, maxBytes: 1024 }] }],
          }),
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedBrokerError);
      expect((err as UnsupportedBrokerError).missing).toBe('Fetch below v4');
    } finally {
      await c.close();
    }
    return 'no: UnsupportedBrokerError (it has no Fetch below v4)';
  });

  check('flink-082', async () => {
    const consumer = new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
      'bootstrap.servers': k().brokers,
      // No ZooKeeper exists on a KRaft cluster; nothing may wait for one here.
      'zookeeper.connect': '127.0.0.1:1',
      claimSubtask: false,
      'group.id': 'kafka4',
      'auto.offset.reset': 'smallest',
    });
    try {
      const err = await within(
        consumer.read().catch((e: unknown) => e),
        20_000,
        'read',
      );
      expect(err).toBeInstanceOf(UnsupportedBrokerError);
      expect((err as Error).message).toContain('versions 0.8.0 to 3.9 do');
    } finally {
      await consumer.close();
    }
    return 'no: read() rejects with UnsupportedBrokerError';
  });

  check('cli', async () => {
    const run = await cli(['consume', '--brokers', k().brokers, '--topic', 't'], '', {}, 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^kafka08: UnsupportedBrokerError: .*no longer speaks the Kafka 0\.8 protocol/,
    );
    return 'no: one-line UnsupportedBrokerError, exit 1';
  });
});
