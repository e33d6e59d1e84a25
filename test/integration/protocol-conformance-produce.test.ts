/**
 * Our Produce encoder against the real broker: sets encoded by kafka08 in every codec the
 * version supports, sent with RequiredAcks 1, are accepted, get the offsets the response
 * announces, and read back identically by Kafka's own SimpleConsumer and by kcat (librdkafka).
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  Codec,
  ErrorCode,
  encodeMessageSet,
  type MessageToEncode,
  produceRequest,
} from '../../src/protocol/index.js';
import { type V0Compression, v0ReadableCompressions } from '../../src/rig/index.js';
import { BrokerConnection } from '../../src/simple-consumer/connection.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { kcatReadPartition } from '../helpers/cluster-kcat.js';

// zstd has no magic-0 form: a v0 Produce cannot carry it.
const CODEC: Record<V0Compression, Codec> = {
  none: Codec.None,
  gzip: Codec.Gzip,
  snappy: Codec.Snappy,
  lz4: Codec.Lz4,
};

const b = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8'));
const FIRST: MessageToEncode[] = [
  { key: b('k0'), value: b('v0') },
  { key: null, value: b('no key') },
  { key: b('tombstone'), value: null },
  { key: b(''), value: b('') },
  { key: b('big'), value: Buffer.alloc(200_000, 'large value from kafka08 ') },
];
const SECOND: MessageToEncode[] = [
  { key: b('k5'), value: b('grüße ✓') },
  { key: null, value: null },
];
const ALL = [...FIRST, ...SECOND];

const connections: BrokerConnection[] = [];
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
});

describe.each(['0.8.2.2', '0.8.1.1'] as const)('Kafka %s accepts sets encoded by kafka08', (version) => {
  it.each(v0ReadableCompressions(version))(
    'codec %s: produce acks 1, read back by Kafka and kcat',
    async (name) => {
      const k = sharedCluster(version);
      const topic = uniqueTopic(`conf-produce-${name}`);
      await k.createTopic({ name: topic, partitions: 1 });
      const [broker] = k.brokerList;
      if (!broker) throw new Error('no broker');
      const c = new BrokerConnection({
        host: broker.host,
        port: broker.port,
        clientId: 'kafka08-conformance',
      });
      connections.push(c);

      const baseOffsets: bigint[] = [];
      for (const batch of [FIRST, SECOND]) {
        const resp = await c.send(
          produceRequest({
            requiredAcks: 1,
            timeoutMs: 10_000,
            topics: [
              {
                topic,
                partitions: [{ partition: 0, messageSet: encodeMessageSet(batch, { codec: CODEC[name] }) }],
              },
            ],
          }),
        );
        expect(resp.topics.map((t) => t.topic)).toEqual([topic]);
        const p = resp.topics[0]?.partitions[0];
        expect([p?.partition, p?.errorCode]).toEqual([0, ErrorCode.NONE]);
        baseOffsets.push(p?.offset ?? -1n);
      }
      // The response's offset is the first one the broker assigned to the batch.
      expect(baseOffsets).toEqual([0n, BigInt(FIRST.length)]);

      const viaKafka = await k.fetch(topic, 0);
      expect(
        viaKafka.map((m) => ({
          offset: m.offset,
          key: m.key?.toString('latin1') ?? null,
          value: m.value?.toString('latin1') ?? null,
        })),
      ).toEqual(
        ALL.map((m, i) => ({
          offset: BigInt(i),
          key: m.key ? Buffer.from(m.key).toString('latin1') : null,
          value: m.value ? Buffer.from(m.value).toString('latin1') : null,
        })),
      );

      const viaKcat = await kcatReadPartition(k, topic, 0);
      expect(viaKcat.map((m) => ({ offset: m.offset, key: m.key, value: m.payload }))).toEqual(
        ALL.map((m, i) => ({
          offset: i,
          key: m.key ? Buffer.from(m.key).toString('utf8') : null,
          value: m.value ? Buffer.from(m.value).toString('utf8') : null,
        })),
      );
    },
  );
});
