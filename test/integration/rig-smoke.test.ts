import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type KafkaVersion, type RigRecord, supportedCompressions } from '../../src/rig/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { kcatReadPartition, kcatReadValue } from '../helpers/cluster-kcat.js';

// Keys, null keys, null values and empty values on two partitions: the shapes our codec must handle.
const RECORDS: RigRecord[] = [
  { partition: 0, key: 'k1', value: 'hello' },
  { partition: 0, key: null, value: 'no key' },
  { partition: 0, key: 'tombstone', value: null },
  { partition: 1, key: 'empty', value: '' },
  { partition: 1, key: '', value: 'empty key' },
  { partition: 1, key: null, value: null },
  { partition: 0, key: 'unicode', value: 'grüße ✓' },
];

function expected(partition: number) {
  return RECORDS.filter((r) => r.partition === partition).map((r) => ({
    key: r.key === null || r.key === undefined ? null : String(r.key),
    value: r.value === null ? null : String(r.value),
  }));
}

const versions: KafkaVersion[] = ['0.8.2.2', '0.8.1.1'];

describe.each(versions)('local rig, Kafka %s', (version) => {
  it.each(supportedCompressions(version))(
    'JVM producer with %s: kcat and SimpleConsumer read back exactly',
    async (compression) => {
      const k = sharedCluster(version);
      const topic = uniqueTopic(`smoke-${compression}`);
      await k.createTopic({ name: topic, partitions: 2 });
      expect(await k.produce(topic, RECORDS, { compression })).toBe(RECORDS.length);
      for (const partition of [0, 1]) {
        const want = expected(partition);
        const viaKafka = await k.fetch(topic, partition);
        expect(
          viaKafka.map((m) => ({
            key: m.key?.toString('utf8') ?? null,
            value: m.value?.toString('utf8') ?? null,
          })),
        ).toEqual(want);
        expect(viaKafka.map((m) => m.offset)).toEqual(want.map((_, i) => BigInt(i)));
        const viaKcat = await kcatReadPartition(k, topic, partition);
        expect(viaKcat.map((m) => ({ key: m.key, value: m.payload }))).toEqual(want);
      }
    },
  );

  it('round-trips a ~10 MB message', async () => {
    const k = sharedCluster(version);
    const topic = uniqueTopic('big');
    await k.createTopic({ name: topic, partitions: 1 });
    const value = randomBytes(7_500_000).toString('base64'); // 10,000,000 printable bytes
    await k.produce(topic, [{ key: 'big', value }], { compression: 'gzip' });
    const [got] = await k.fetch(topic, 0, 0n, 12_000_000);
    expect(got?.value?.length).toBe(value.length);
    expect(got?.value?.equals(Buffer.from(value))).toBe(true);
    const viaKcat = await kcatReadValue(k, topic, 0, 0, 12_000_000);
    expect(viaKcat.length).toBe(value.length);
    expect(viaKcat === value).toBe(true);
  });

  it('reads and writes ZooKeeper nodes', async () => {
    const k = sharedCluster(version);
    const group = uniqueTopic('group');
    const path = `/consumers/${group}/offsets/some-topic/3`;
    expect(await k.zkGet(path)).toBeNull();
    expect(await k.zkChildren(`/consumers/${group}`)).toEqual([]);
    await k.zkSet(path, '12345');
    expect(await k.zkGet(path)).toBe('12345');
    expect(await k.zkChildren(`/consumers/${group}/offsets/some-topic`)).toEqual(['3']);
    expect(await k.liveBrokerIds()).toEqual([0]);
  });

  it('rejects a codec the version lacks, and a replication factor above the broker count', async () => {
    const k = sharedCluster(version);
    if (version === '0.8.1.1') {
      await expect(k.produce('x', [{ value: 'v' }], { compression: 'lz4' })).rejects.toThrow(
        /does not support lz4/,
      );
    }
    await expect(
      k.createTopic({ name: uniqueTopic('rf'), partitions: 1, replicationFactor: 2 }),
    ).rejects.toThrow(/replication factor 2/);
  });
});
