import { afterEach, describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082 } from '../../../src/consumers/flink-kafka-consumer-082.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  FetchEngine,
  FetchEngineClosedError,
  PartitionUnreadableError,
  type UnreadableReason,
} from '../../../src/simple-consumer/fetch-engine/index.js';
import { within } from '../../helpers/within.js';
import { FakeCluster, key } from './fetch-engine-fake-cluster.js';

// Newer brokers refuse a v0 client some partitions for good: zstd data (76), a topic with
// message.downconversion.enable=false (35); 3.x sends those with MessageSetSize -1, 2.x with 0.
// Only that partition may stop, with a typed error; the others on the same broker keep flowing.

const clusters: FakeCluster[] = [];
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

async function cluster(refused: { errorCode: number; nullMessageSet: boolean }): Promise<FakeCluster> {
  const c = await FakeCluster.start(1);
  clusters.push(c);
  c.addPartition('t', 0, 0);
  c.addPartition('t', 1, 0);
  c.append('t', 0, ['never']);
  c.append('t', 1, ['b0', 'b1']);
  c.refused.set(key('t', 0), refused);
  return c;
}

const cases: [string, number, boolean, UnreadableReason][] = [
  ['3.x zstd: error 76, size -1', ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, true, 'zstd'],
  ['2.x zstd: error 76, size 0', ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, false, 'zstd'],
  [
    '3.x down-conversion off: error 35, size -1',
    ErrorCode.UNSUPPORTED_VERSION,
    true,
    'down-conversion-disabled',
  ],
  ['a null set without an error', ErrorCode.NONE, true, 'null-message-set'],
];

describe('partitions a newer broker cannot serve to a v0 client', () => {
  it.each(cases)(
    '%s: that partition fails with a typed error, the other keeps flowing',
    async (_, errorCode, nullMessageSet, reason) => {
      const c = await cluster({ errorCode, nullMessageSet });
      const e = new FetchEngine(c.metadata(), {
        maxWaitMs: 20,
        refreshLeaderBackoffMs: 5,
        socketTimeoutMs: 1000,
      });
      closers.push(() => e.close());
      e.assign([
        { topic: 't', partition: 0, offset: 0n },
        { topic: 't', partition: 1, offset: 0n },
      ]);
      const got: string[] = [];
      let failure: unknown;
      await within(
        (async () => {
          while (got.length < 2 || failure === undefined) {
            try {
              for (const m of (await e.next()).messages) got.push(m.value?.toString() ?? '');
            } catch (err) {
              // Closed by afterEach once `within` gave up: stop, or this loop would spin forever.
              if (err instanceof FetchEngineClosedError) return;
              failure = err;
            }
          }
        })(),
        5000,
        'data of partition 1 and the error of partition 0',
      );
      expect(got).toEqual(['b0', 'b1']);
      expect(failure).toBeInstanceOf(PartitionUnreadableError);
      const u = failure as PartitionUnreadableError;
      expect([u.topic, u.partition, u.offset, u.brokerId]).toEqual(['t', 0, 0n, 0]);
      expect([u.reason, u.errorCode]).toEqual([reason, errorCode]);
      expect(u.message).toContain('t/0');
      expect(u.message).toContain(u.brokerVersionHint);
      expect(u.message).toContain(u.remedy);
      // Stopped, not retried: a few more fetches of partition 1 at most, none of partition 0.
      const asked = c.fetches.flatMap((f) => f.partitions.filter((p) => p.partition === 0));
      expect(asked.length).toBe(1);
    },
  );

  it('the zstd error says what to do and which brokers send it', async () => {
    const c = await cluster({ errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, nullMessageSet: true });
    const e = new FetchEngine(c.metadata(), { maxWaitMs: 20, socketTimeoutMs: 1000 });
    closers.push(() => e.close());
    e.assign([{ topic: 't', partition: 0, offset: 0n }]);
    const err = await within(
      e.next().catch((x: unknown) => x),
      5000,
      'next',
    );
    expect(err).toBeInstanceOf(PartitionUnreadableError);
    expect((err as Error).message).toMatch(/Kafka 2\.1 or newer/);
    expect((err as Error).message).toMatch(/Fetch v10/);
  });

  it('a consumer class rejects read() with the typed error instead of hanging', async () => {
    const c = await cluster({ errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, nullMessageSet: true });
    const consumer = new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
      'bootstrap.servers': c.brokers.map((b) => `${b.host}:${b.port}`).join(','),
      'zookeeper.connect': '127.0.0.1:1',
      claimSubtask: false, // no ZooKeeper here: the fake brokers are the whole cluster
      'group.id': 'unreadable',
      'auto.commit.enable': false,
      'fetch.wait.max.ms': 20,
      'refresh.leader.backoff.ms': 5,
      startFrom: 'earliest',
    });
    closers.push(() => consumer.close());
    let err: unknown;
    await within(
      (async () => {
        while (err === undefined) await consumer.read().catch((e: unknown) => (err = e));
      })(),
      10_000,
      'read',
    );
    expect(err).toBeInstanceOf(PartitionUnreadableError);
    expect([(err as PartitionUnreadableError).topic, (err as PartitionUnreadableError).partition]).toEqual([
      't',
      0,
    ]);
  });
});
