import { afterEach, describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082 } from '../../../src/consumers/flink-kafka-consumer-082.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import type { ConsumerProperties } from '../../../src/index.js';
import { ApiKey } from '../../../src/protocol/request.js';
import { FakeCluster } from '../simple-consumer/fetch-engine-fake-cluster.js';

// What a consumer's start costs must grow with the partition count, not with its square: one
// Offsets request per broker, and constant work per resolved partition.

const clusters: FakeCluster[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

async function cluster(brokers: number, partitions: number): Promise<FakeCluster> {
  const c = await FakeCluster.start(brokers);
  clusters.push(c);
  for (let p = 0; p < partitions; p++) c.addPartition('t', p, p % brokers);
  return c;
}

function consumer(c: FakeCluster, extra: ConsumerProperties = {}): FlinkKafkaConsumer082<string> {
  const k = new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
    'bootstrap.servers': c.brokers.map((b) => `${b.host}:${b.port}`).join(','),
    'zookeeper.connect': '127.0.0.1:1',
    claimSubtask: false, // no ZooKeeper here: the fake brokers are the whole cluster
    'group.id': 'start-up',
    checkpointing: true,
    ...extra,
  });
  closers.push(() => k.close());
  return k;
}

function requests(c: FakeCluster, apiKey: number): number[] {
  return c.brokers.map((b) => b.requests.filter((r) => r.apiKey === apiKey).length);
}

/**
 * Runs `body` counting the walks over any Map holding at least `size` entries: a walk over
 * every partition per resolved partition is what made a start quadratic. The count is of work
 * done, so unlike a duration it does not depend on the machine.
 */
async function countingFullWalks(size: number, body: () => Promise<void>): Promise<number> {
  const proto = Map.prototype as unknown as Record<PropertyKey, (...args: unknown[]) => unknown>;
  const names: PropertyKey[] = ['values', 'keys', 'entries', 'forEach', Symbol.iterator];
  const originals = names.map((name) => proto[name]!);
  let walks = 0;
  names.forEach((name, i) => {
    const original = originals[i]!;
    proto[name] = function (this: Map<unknown, unknown>, ...args: unknown[]) {
      if (this.size >= size) walks++;
      return original.apply(this, args);
    };
  });
  try {
    await body();
  } finally {
    names.forEach((name, i) => {
      proto[name] = originals[i]!;
    });
  }
  return walks;
}

describe('consumer start with many partitions', () => {
  for (const [name, extra] of [
    ['startFrom earliest', { startFrom: 'earliest' }],
    ['the group offsets, none committed, auto.offset.reset=largest', { 'auto.offset.reset': 'largest' }],
  ] as const) {
    it(`resolves 20,000 start positions (${name}) with one Offsets request per broker`, async () => {
      const n = 20_000;
      const c = await cluster(4, n);
      const k = consumer(c, extra);
      const walks = await countingFullWalks(n, () => k.start());

      // A few walks per round (metadata, leader lookup, fetch picks), never one per partition.
      expect(walks).toBeLessThan(n / 20);
      expect(requests(c, ApiKey.Offsets)).toEqual([1, 1, 1, 1]);
      expect(k.position('t', 0)).toBe(0n);
      expect(k.position('t', n - 1)).toBe(0n);
    });
  }
});

describe('consumer connections', () => {
  it('commits on a connection of its own, never behind a long-polling fetch, and closes both', async () => {
    const c = await cluster(1, 1);
    c.append('t', 0, ['a', 'b', 'c']);
    const k = consumer(c, { startFrom: 'earliest', 'fetch.wait.max.ms': 500 });
    for (let i = 0; i < 3; i++) await k.read();
    const broker = c.brokers[0]!;
    // The consumer is at the end: its next fetch is parked at the broker.
    while (broker.requests.filter((r) => r.apiKey === ApiKey.Fetch).length < 2)
      await new Promise((r) => setTimeout(r, 5));
    k.snapshotState(1);
    expect(await k.notifyCheckpointComplete(1)).toBe(true);

    const commit = broker.requests.find((r) => r.apiKey === ApiKey.OffsetCommit);
    expect(commit).toBeDefined();
    expect(commit!.connection.requests.some((r) => r.apiKey === ApiKey.Fetch)).toBe(false);
    const fetching = broker.connections.filter((conn) =>
      conn.requests.some((r) => r.apiKey === ApiKey.Fetch),
    );
    expect(fetching).toHaveLength(1);
    expect(new Set(fetching[0]!.requests.map((r) => r.apiKey))).toEqual(new Set([ApiKey.Fetch]));

    await k.close();
    // Every socket the consumer opened is closed by the client.
    const deadline = Date.now() + 2000;
    while (broker.connections.some((conn) => !conn.destroyed) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    expect(broker.connections.map((conn) => conn.destroyed)).toEqual(broker.connections.map(() => true));
  });
});
