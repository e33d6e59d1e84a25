import { afterEach, describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082 } from '../../../src/consumers/flink-kafka-consumer-082.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import { SubtaskClaimUnavailableError } from '../../../src/consumers/subtask-claim.js';
import { FakeCluster } from '../simple-consumer/fetch-engine-fake-cluster.js';

// The subtask claim and the partition lookup run side by side at start. A claim that fails
// while the lookup is still waiting must neither escape as an unhandled rejection nor win over
// the lookup's own outcome.

const clusters: FakeCluster[] = [];
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

async function consumerOn(stalled: boolean): Promise<FlinkKafkaConsumer082<string>> {
  const c = await FakeCluster.start(1);
  clusters.push(c);
  c.addPartition('t', 0, 0);
  c.append('t', 0, ['a']);
  if (stalled) c.stalled.add(0);
  return new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
    'bootstrap.servers': `${c.brokers[0]!.host}:${c.brokers[0]!.port}`,
    // Nothing listens there: the claim fails within the connection timeout.
    'zookeeper.connect': '127.0.0.1:1',
    'zookeeper.connection.timeout.ms': 100,
    'socket.timeout.ms': 600,
    'flink.get-partitions.retry': 1,
    'group.id': 'start-claim',
    startFrom: 'earliest',
  });
}

describe('consumer start: claim beside the partition lookup', () => {
  it('a lookup that fails after the claim failed rejects with the lookup error, nothing unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const k = await consumerOn(true);
      const err = await k.start().catch((e: unknown) => e);
      await k.close();
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(SubtaskClaimUnavailableError);
      // Let a stray rejection surface before looking.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a lookup that succeeds after the claim failed rejects with the claim error', async () => {
    const k = await consumerOn(false);
    const err = await k.start().catch((e: unknown) => e);
    await k.close();
    expect(err).toBeInstanceOf(SubtaskClaimUnavailableError);
  });
});
