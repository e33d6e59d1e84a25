import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { decodeMessageSet } from '../../src/protocol/message-set.js';
import { committedOffset } from '../../src/protocol/offset-fetch.js';
import { type KafkaVersion, type RigRecord, supportedCompressions } from '../../src/rig/index.js';
import {
  ConnectionError,
  RequestTimeoutError,
  UnsupportedByBrokerVersionError,
} from '../../src/simple-consumer/errors.js';
import { FetchRequestBuilder } from '../../src/simple-consumer/fetch-request-builder.js';
import { SimpleConsumer, type SimpleConsumerOptions } from '../../src/simple-consumer/simple-consumer.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

const versions: KafkaVersion[] = ['0.8.2.2', '0.8.1.1'];
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

function consumerFor(version: KafkaVersion, extra: Partial<SimpleConsumerOptions> = {}): SimpleConsumer {
  const b = sharedCluster(version).brokerList[0];
  if (b === undefined) throw new Error(`shared ${version} cluster has no broker`);
  const c = new SimpleConsumer({
    host: b.host,
    port: b.port,
    soTimeoutMs: 10_000,
    bufferSize: 64 * 1024,
    clientId: 'sc-it',
    brokerVersion: version === '0.8.1.1' ? '0.8.1' : '0.8.2',
    ...extra,
  });
  closers.push(() => c.close());
  return c;
}

const RECORDS: RigRecord[] = [
  { key: 'k1', value: 'hello' },
  { key: null, value: 'no key' },
  { key: 'tombstone', value: null },
  { key: '', value: '' },
  { key: 'unicode', value: 'grüße ✓' },
  { key: 'big', value: 'x'.repeat(50_000) },
];

function text(b: Buffer | null): string | null {
  return b === null ? null : b.toString('utf8');
}

describe.each(versions)('SimpleConsumer fetch and offset commits, Kafka %s', (version) => {
  it.each(supportedCompressions(version))(
    'fetches what the JVM producer wrote with %s, exactly',
    async (compression) => {
      const k = sharedCluster(version);
      const topic = uniqueTopic(`sc-fetch-${compression}`);
      await k.createTopic({ name: topic, partitions: 1 });
      await k.produce(topic, RECORDS, { compression });
      const c = consumerFor(version);
      const resp = await c.fetch(new FetchRequestBuilder().addFetch(topic, 0, 0n, 1024 * 1024).build());
      const p = resp.topics[0]?.partitions[0];
      expect(p).toMatchObject({ partition: 0, errorCode: 0, highWatermark: BigInt(RECORDS.length) });
      const set = decodeMessageSet(p!.messageSet, { fetchOffset: 0n, topic, partition: 0 });
      expect(set.messages.map((m) => ({ offset: m.offset, key: text(m.key), value: text(m.value) }))).toEqual(
        RECORDS.map((r, i) => ({ offset: BigInt(i), key: r.key ?? null, value: r.value })),
      );
      // From the middle: nothing below the fetch offset comes back, even out of a compressed wrapper.
      const mid = await c.fetch({
        maxWaitMs: 0,
        minBytes: 0,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 3n, maxBytes: 1024 * 1024 }] }],
      });
      const midSet = decodeMessageSet(mid.topics[0]!.partitions[0]!.messageSet, { fetchOffset: 3n });
      expect(midSet.messages.map((m) => m.offset)).toEqual([3n, 4n, 5n]);
    },
  );

  it('long-polls at the high watermark and reports OffsetOutOfRange past it as a value', async () => {
    const k = sharedCluster(version);
    const topic = uniqueTopic('sc-poll');
    await k.createTopic({ name: topic, partitions: 1 });
    await k.produce(topic, [{ value: 'one' }]);
    const c = consumerFor(version, { soTimeoutMs: 5_000 });
    const atEnd = await c.fetch(
      new FetchRequestBuilder().maxWait(200).minBytes(1).addFetch(topic, 0, 1n, 65536).build(),
    );
    expect(atEnd.topics[0]?.partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 1n });
    expect(atEnd.topics[0]?.partitions[0]?.messageSet.length).toBe(0);
    const past = await c.fetch(new FetchRequestBuilder().addFetch(topic, 0, 50n, 65536).build());
    expect(past.topics[0]?.partitions[0]).toMatchObject({
      errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
      highWatermark: -1n,
    });
  });

  it('commits and fetches offsets v0 through ZooKeeper, where Kafka itself reads them', async () => {
    const k = sharedCluster(version);
    const topic = uniqueTopic('sc-commit0');
    const group = uniqueTopic('sc-group0');
    await k.createTopic({ name: topic, partitions: 2 });
    const c = consumerFor(version);
    const resp = await c.commitOffsets({
      version: 0,
      consumerGroupId: group,
      topics: [{ topic, partitions: [{ partition: 0, offset: 42n, metadata: 'ignored by v0' }] }],
    });
    expect(resp).toEqual({ topics: [{ topic, partitions: [{ partition: 0, errorCode: 0 }] }] });
    expect(await k.zkGet(`/consumers/${group}/offsets/${topic}/0`)).toBe('42');
    expect(await k.zkGet(`/consumers/${group}/offsets/${topic}/1`)).toBeNull();
    const fetched = await c.fetchOffsets({
      version: 0,
      consumerGroupId: group,
      topics: [{ topic, partitions: [0, 1] }],
    });
    const byPartition = new Map(fetched.topics[0]!.partitions.map((p) => [p.partition, p]));
    expect(byPartition.get(0)).toMatchObject({ offset: 42n, errorCode: 0 });
    // "Nothing committed" in v0 is UnknownTopicOrPartition with offset -1.
    expect(byPartition.get(1)).toMatchObject({
      offset: -1n,
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    });
    expect(committedOffset(0, byPartition.get(1)!)).toEqual({ kind: 'none' });
  });

  if (version === '0.8.1.1') {
    it('refuses 0.8.2-only requests before sending, and shows why: the 0.8.1 broker drops them', async () => {
      const c = consumerFor(version);
      await expect(c.consumerMetadata('g')).rejects.toBeInstanceOf(UnsupportedByBrokerVersionError);
      await expect(
        c.commitOffsets({
          version: 1,
          consumerGroupId: 'g',
          consumerGroupGenerationId: -1,
          consumerId: '',
          topics: [
            { topic: 't', partitions: [{ partition: 0, offset: 1n, timestampMs: -1n, metadata: '' }] },
          ],
        }),
      ).rejects.toMatchObject({
        request: 'OffsetCommit v1',
        brokerVersion: '0.8.1',
        requiredVersion: '0.8.2',
      });
      await expect(c.fetchOffsets({ version: 1, consumerGroupId: 'g', topics: [] })).rejects.toBeInstanceOf(
        UnsupportedByBrokerVersionError,
      );
      // Misconfigured as 0.8.2, the request goes out and the 0.8.1 broker has no answer for it.
      const wrong = consumerFor(version, { brokerVersion: '0.8.2', soTimeoutMs: 5_000 });
      const err = await wrong.consumerMetadata('g').catch((e: unknown) => e);
      // Not a timeout: the broker cannot parse api key 10 and closes the connection.
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err).not.toBeInstanceOf(RequestTimeoutError);
    });
  } else {
    it('finds the coordinator and commits/fetches offsets v1 stored in Kafka', async () => {
      const k = sharedCluster(version);
      const topic = uniqueTopic('sc-commit1');
      const group = uniqueTopic('sc-group1');
      await k.createTopic({ name: topic, partitions: 2 });
      const c = consumerFor(version);
      // Error 15 until __consumer_offsets exists and has leaders: bounded retry.
      let coordinator = await c.consumerMetadata(group);
      for (let i = 0; i < 60 && coordinator.errorCode === ErrorCode.CONSUMER_COORDINATOR_NOT_AVAILABLE; i++) {
        await sleep(500);
        coordinator = await c.consumerMetadata({ consumerGroup: group });
      }
      const broker = k.brokerList[0]!;
      expect(coordinator).toEqual({
        errorCode: 0,
        coordinatorId: broker.id,
        coordinatorHost: broker.host,
        coordinatorPort: broker.port,
      });
      const coord = consumerFor(version, {
        host: coordinator.coordinatorHost,
        port: coordinator.coordinatorPort,
      });
      const commit = () =>
        coord.commitOffsets({
          version: 1,
          consumerGroupId: group,
          consumerGroupGenerationId: -1,
          consumerId: '',
          topics: [
            { topic, partitions: [{ partition: 0, offset: 77n, timestampMs: -1n, metadata: 'meta-v1' }] },
          ],
        });
      let committed = await commit();
      for (let i = 0; i < 40 && committed.topics[0]?.partitions[0]?.errorCode !== 0; i++) {
        const code = committed.topics[0]?.partitions[0]?.errorCode;
        expect([ErrorCode.CONSUMER_COORDINATOR_NOT_AVAILABLE, ErrorCode.OFFSETS_LOAD_IN_PROGRESS]).toContain(
          code,
        );
        await sleep(500);
        committed = await commit();
      }
      expect(committed).toEqual({ topics: [{ topic, partitions: [{ partition: 0, errorCode: 0 }] }] });
      const fetched = await coord.fetchOffsets({
        version: 1,
        consumerGroupId: group,
        topics: [{ topic, partitions: [0, 1] }],
      });
      const byPartition = new Map(fetched.topics[0]!.partitions.map((p) => [p.partition, p]));
      expect(byPartition.get(0)).toMatchObject({ offset: 77n, metadata: 'meta-v1', errorCode: 0 });
      // "Nothing committed" in v1 is offset -1 with no error.
      expect(byPartition.get(1)).toMatchObject({ offset: -1n, errorCode: 0 });
      // Stored in Kafka, not ZooKeeper: v0 and the znode know nothing of it.
      expect(await k.zkGet(`/consumers/${group}/offsets/${topic}/0`)).toBeNull();
      const v0 = await c.fetchOffsets({
        version: 0,
        consumerGroupId: group,
        topics: [{ topic, partitions: [0] }],
      });
      expect(v0.topics[0]?.partitions[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    });
  }
});
