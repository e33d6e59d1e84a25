import { afterEach, describe, expect, it } from 'vitest';
import { OffsetStoreError } from '../../../src/consumers/errors.js';
import { FlinkKafkaConsumer082 } from '../../../src/consumers/flink-kafka-consumer-082.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import { encodeApiVersionsResponseBody } from '../../../src/protocol/api-versions.js';
import { fetchRequest } from '../../../src/protocol/fetch.js';
import { metadataRequest } from '../../../src/protocol/metadata.js';
import { ApiKey } from '../../../src/protocol/request.js';
import { BrokerPool } from '../../../src/simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../../../src/simple-consumer/cluster-metadata.js';
import { BrokerConnection } from '../../../src/simple-consumer/connection.js';
import {
  ClosedByBrokerError,
  ConnectionError,
  UnsupportedBrokerError,
} from '../../../src/simple-consumer/errors.js';
import { FetchEngine } from '../../../src/simple-consumer/fetch-engine/index.js';
import { FakeBroker } from '../../helpers/fake-broker.js';
import { KAFKA_4_0_RANGES, startFakeKafka4 } from '../../helpers/fake-kafka4.js';
import { within } from '../../helpers/within.js';

// Kafka 4.0 closes the connection on every 0.8 request version. Without asking it why, every
// layer sees "connection closed by the broker", retries, and never ends. Asked (ApiVersions), it
// says it has no Fetch v0: one typed error, raised everywhere, at once.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fake(options: Parameters<typeof startFakeKafka4>[0] = {}): Promise<FakeBroker> {
  const b = await startFakeKafka4(options);
  cleanups.push(() => b.stop());
  return b;
}

function connection(b: FakeBroker): BrokerConnection {
  const c = new BrokerConnection({ host: b.host, port: b.port, clientId: 'test', requestTimeoutMs: 3000 });
  cleanups.push(() => c.close());
  return c;
}

const FETCH = fetchRequest({
  maxWaitMs: 10,
  minBytes: 1,
  topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 0n, maxBytes: 1024 }] }],
});

describe('a broker that dropped the 0.8 protocol (Kafka 4.0)', () => {
  it('a request it hangs up on fails with UnsupportedBrokerError, saying which versions work', async () => {
    const b = await fake();
    const err = await connection(b)
      .send(FETCH)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedBrokerError);
    expect(err).not.toBeInstanceOf(ConnectionError);
    const u = err as UnsupportedBrokerError;
    expect(u.message).toContain(
      'this broker no longer speaks the Kafka 0.8 protocol; versions 0.8.0 to 3.9 do',
    );
    expect([u.host, u.port, u.request, u.missing]).toEqual([b.host, b.port, 'Fetch v0', 'Fetch below v4']);
    expect(u.cause).toBeInstanceOf(ClosedByBrokerError);
    // It asked on a connection of its own, once.
    expect(b.requests.map((r) => r.apiKey)).toEqual([ApiKey.Fetch, ApiKey.ApiVersions]);
  });

  it('Produce v0, still advertised by 4.0, is named too: the broker lacks the Fetch v0 of the 0.8 protocol', async () => {
    const b = await fake();
    const c = connection(b);
    const produce = { ...metadataRequest({ topics: [] }), apiKey: ApiKey.Produce };
    const err = await c.send(produce).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedBrokerError);
    expect((err as UnsupportedBrokerError).missing).toBe('Fetch below v4');
  });

  it('a 0.8 broker, which hangs up on ApiVersions as well, keeps the plain connection error', async () => {
    const b = await fake({ noApiVersions: true });
    const err = await connection(b)
      .send(FETCH)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClosedByBrokerError);
    expect(err).not.toBeInstanceOf(UnsupportedBrokerError);
  });

  it('a 3.x broker that drops one connection (a restart) keeps the plain connection error', async () => {
    let first = true;
    const b = await FakeBroker.start({
      handler: async (req) => {
        if (req.apiKey === ApiKey.ApiVersions)
          return req.connection.respond(req, (w) =>
            encodeApiVersionsResponseBody(w, {
              errorCode: 0,
              apiVersions: KAFKA_4_0_RANGES.map((r) => ({ ...r, minVersion: 0 })),
            }),
          );
        if (first) {
          first = false;
          req.connection.destroy();
        }
      },
    });
    cleanups.push(() => b.stop());
    const err = await connection(b)
      .send(FETCH, { timeoutMs: 1000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClosedByBrokerError);
  });

  it('cluster metadata throws it at once instead of NoBrokerAvailableError', async () => {
    const b = await fake();
    const pool = new BrokerPool({ clientId: 'test', requestTimeoutMs: 3000 });
    cleanups.push(() => pool.close());
    const cluster = new ClusterMetadata({ seedBrokers: [{ host: b.host, port: b.port }], pool });
    // Metadata v0 is advertised here but closed anyway: the missing Fetch v0 still names it.
    const err = await cluster.refresh(['t']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedBrokerError);
    expect((err as UnsupportedBrokerError).request).toBe('Metadata v0');
  });

  it('the fetch engine fails the partition with it instead of looking for a leader forever', async () => {
    const b = await fake({ topic: { name: 't', partitions: 2 } });
    const pool = new BrokerPool({ clientId: 'test', requestTimeoutMs: 3000 });
    cleanups.push(() => pool.close());
    const cluster = new ClusterMetadata({ seedBrokers: [{ host: b.host, port: b.port }], pool });
    const e = new FetchEngine(cluster, { maxWaitMs: 20, refreshLeaderBackoffMs: 5, socketTimeoutMs: 3000 });
    cleanups.push(() => e.close());
    e.assign([
      { topic: 't', partition: 0, offset: 0n },
      { topic: 't', partition: 1, offset: 'earliest' },
    ]);
    const errors = [
      await within(
        e.next().catch((x: unknown) => x),
        5000,
        'next',
      ),
      await within(
        e.next().catch((x: unknown) => x),
        5000,
        'next',
      ),
    ];
    for (const err of errors) expect(err).toBeInstanceOf(UnsupportedBrokerError);
    expect((errors as UnsupportedBrokerError[]).map((u) => u.request).sort()).toEqual([
      'Fetch v0',
      'Offsets (ListOffsets) v0',
    ]);
  });

  it('FlinkKafkaConsumer082 rejects read() with it instead of looping', async () => {
    const b = await fake({ topic: { name: 't', partitions: 1 } });
    const consumer = new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
      'bootstrap.servers': `${b.host}:${b.port}`,
      'zookeeper.connect': '127.0.0.1:1',
      'group.id': 'kafka4',
      // No ZooKeeper here: the subtask claim would only time out.
      claimSubtask: false,
      'auto.commit.enable': false,
      'fetch.wait.max.ms': 20,
      'refresh.leader.backoff.ms': 5,
      startFrom: 'earliest',
    });
    cleanups.push(() => consumer.close());
    const err = await within(
      consumer.read().catch((x: unknown) => x),
      10_000,
      'read',
    );
    expect(err).toBeInstanceOf(UnsupportedBrokerError);
  });

  it('on a KRaft 3.x cluster the ZooKeeper offset store says why it cannot work (error 35)', async () => {
    const b = await fake({ topic: { name: 't', partitions: 1 }, kraft3: true });
    const consumer = new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
      'bootstrap.servers': `${b.host}:${b.port}`,
      'zookeeper.connect': '127.0.0.1:1',
      'group.id': 'kraft3',
      claimSubtask: false,
      'auto.commit.enable': false,
    });
    cleanups.push(() => consumer.close());
    const err = await within(
      consumer.read().catch((x: unknown) => x),
      10_000,
      'read',
    );
    expect(err).toBeInstanceOf(OffsetStoreError);
    expect((err as OffsetStoreError).code).toBe(35);
    expect((err as Error).message).toMatch(/KRaft mode.*use offsets\.storage=kafka/);
  });
});
