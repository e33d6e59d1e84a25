/**
 * The Producer against real Kafka 0.8.2.2 and 0.8.1.1 brokers: every codec, keys, null keys and
 * values, what we write read back by Kafka's own SimpleConsumer and by kcat (librdkafka), and key
 * placement identical to Kafka 0.8.2's own new producer (KafkaProducer) on the same cluster.
 */
import { describe, expect, it } from 'vitest';
import {
  type CompressionType,
  FlinkKafkaProducer,
  ProduceFailedError,
  Producer,
  type ProducerRecord,
  StringSerializationSchema,
} from '../../src/producer/index.js';
import type { KafkaVersion } from '../../src/rig/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { kcatReadPartition } from '../helpers/cluster-kcat.js';
import { javaNewProducerSend } from '../jvm/producer/new-producer.js';

const VERSIONS: { version: KafkaVersion; codecs: CompressionType[] }[] = [
  { version: '0.8.2.2', codecs: ['none', 'gzip', 'snappy', 'lz4'] },
  { version: '0.8.1.1', codecs: ['none', 'gzip', 'snappy'] },
];

const BIG = 'x'.repeat(300_000);

function records(topic: string, codec: string): ProducerRecord[] {
  return [
    { topic, key: `k-${codec}`, value: `v-${codec}` },
    { topic, key: null, value: `no key ${codec}` },
    { topic, key: 'tombstone', value: null },
    { topic, key: '', value: '' },
    { topic, key: Buffer.from([0, 255, 1]), value: 'ünïcödé ✓' },
    { topic, key: 'big', value: BIG },
    ...Array.from({ length: 200 }, (_, i) => ({ topic, key: i % 3 ? `key${i}` : null, value: `bulk-${i}` })),
  ];
}

const text = (b: Buffer | string | Uint8Array | null | undefined): string | null =>
  b === null || b === undefined ? null : Buffer.from(b as Uint8Array).toString('utf8');

describe.each(VERSIONS)('Producer on Kafka $version', ({ version, codecs }) => {
  const k = () => sharedCluster(version);

  it.each(codecs)('%s: acknowledged offsets, and the data as Kafka and kcat read it', async (codec) => {
    const topic = uniqueTopic(`prod-${codec}`);
    const producer = new Producer({
      'bootstrap.servers': k().brokers,
      'compression.type': codec,
      'linger.ms': 5,
    });
    try {
      const input = records(topic, codec);
      const acks = await producer.sendBatch(input);
      expect(acks.map((a) => a.partition)).toEqual(input.map(() => 0));
      expect(acks.map((a) => a.offset)).toEqual(input.map((_, i) => BigInt(i)));

      const jvm = await k().fetch(topic, 0);
      expect(jvm.map((m) => m.offset)).toEqual(input.map((_, i) => BigInt(i)));
      expect(jvm.map((m) => [m.key?.toString('hex') ?? null, text(m.value)])).toEqual(
        input.map((r) => [
          r.key === undefined || r.key === null ? null : Buffer.from(r.key as string).toString('hex'),
          text(r.value),
        ]),
      );

      const kcat = await kcatReadPartition(k(), topic, 0);
      expect(kcat.map((m) => m.offset)).toEqual(input.map((_, i) => i));
      // kcat prints keys and payloads as text; compare the rows whose key is valid UTF-8.
      expect(kcat.filter((_, i) => i !== 4).map((m) => [m.key, m.payload])).toEqual(
        input.filter((_, i) => i !== 4).map((r) => [text(r.key ?? null), text(r.value)]),
      );
    } finally {
      await producer.close();
    }
  });

  // Compressed, batch.size bounds a batch's estimated compressed size, so with data like this a
  // wrapper carries up to 16 times batch.size uncompressed (test/unit/producer/batch-sizing).
  it.each(codecs.filter((c) => c !== 'none'))(
    '%s: wrappers carrying many times batch.size are taken, and read back in order',
    async (codec) => {
      const topic = uniqueTopic(`prod-grown-${codec}`);
      const producer = new Producer({
        'bootstrap.servers': k().brokers,
        'compression.type': codec,
        'batch.size': 1024,
        'linger.ms': 1000,
      });
      const values = Array.from({ length: 6000 }, (_, i) => `grown ${i} ${'same words '.repeat(8)}`);
      try {
        const acks = await producer.sendBatch(values.map((value) => ({ topic, value })));
        expect(acks.map((a) => a.offset)).toEqual(values.map((_, i) => BigInt(i)));
      } finally {
        await producer.close();
      }
      const jvm = await k().fetch(topic, 0);
      expect(jvm.map((m) => [m.offset, text(m.value)])).toEqual(values.map((v, i) => [BigInt(i), v]));
    },
  );

  it('FlinkKafkaProducer writes what Kafka reads back', async () => {
    const topic = uniqueTopic('prod-flink');
    const sink = new FlinkKafkaProducer(k().brokers, topic, new StringSerializationSchema());
    await sink.open();
    for (let i = 0; i < 50; i++) await sink.invoke(`flink-${i}`);
    await sink.close();
    const jvm = await k().fetch(topic, 0);
    expect(jvm.map((m) => text(m.value))).toEqual(Array.from({ length: 50 }, (_, i) => `flink-${i}`));
  });
});

describe('Producer and Kafka 0.8.2 KafkaProducer on the same cluster', () => {
  const k = () => sharedCluster('0.8.2.2');

  it('places every key on the partition Java chooses, and spreads keyless records evenly', async () => {
    const ours = uniqueTopic('prod-keys-ours');
    const theirs = uniqueTopic('prod-keys-java');
    await k().createTopic({ name: ours, partitions: 5 });
    await k().createTopic({ name: theirs, partitions: 5 });
    const keys = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? `ключ-${i}` : `user-${i * 7919}`));
    const java = await javaNewProducerSend(
      k().brokers,
      theirs,
      keys.map((key) => `${key}\tvalue of ${key}`),
    );
    const producer = new Producer({ bootstrapServers: k().brokers });
    try {
      const acks = await producer.sendBatch(
        keys.map((key) => ({ topic: ours, key, value: `value of ${key}` })),
      );
      expect(acks.map((a) => a.partition)).toEqual(java.map((j) => j.partition));
      expect(new Set(acks.map((a) => a.partition)).size).toBe(5);

      const keyless = await producer.sendBatch(
        Array.from({ length: 100 }, (_, i) => ({ topic: ours, value: `n${i}` })),
      );
      const perPartition = [0, 1, 2, 3, 4].map((p) => keyless.filter((a) => a.partition === p).length);
      expect(perPartition).toEqual([20, 20, 20, 20, 20]);
    } finally {
      await producer.close();
    }
    // Kafka's own consumer sees each key where both producers put it.
    for (let p = 0; p < 5; p++) {
      const fetched = await k().fetch(ours, p);
      const keyed = fetched.filter((m) => m.key !== null).map((m) => m.key?.toString());
      const expected = keys.filter((_, i) => java[i]?.partition === p);
      expect(keyed, `partition ${p}`).toEqual(expected);
    }
  });
});

describe('lz4 on a 0.8.1 broker', () => {
  it('is refused by the broker with a typed error naming the partition', async () => {
    const k = sharedCluster('0.8.1.1');
    const topic = uniqueTopic('prod-lz4-081');
    await k.produce(topic, [{ value: 'exists' }]);
    const producer = new Producer({ bootstrapServers: k.brokers, compressionType: 'lz4' });
    try {
      const err = await producer.send({ topic, value: 'lz4 here' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProduceFailedError);
      expect(err).toMatchObject({ topic, partition: 0 });
    } finally {
      await producer.close();
    }
    expect((await k.fetch(topic, 0)).map((m) => text(m.value))).toEqual(['exists']);
  });
});
