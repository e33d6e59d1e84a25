import { afterEach, describe, expect, it } from 'vitest';
import type { Compression, KafkaVersion } from '../../src/rig/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { count, type EngineHandle, engineFor, pullUntil, valuesOf } from './fetch-engine-support.js';

const handles: EngineHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
});

const cases: [KafkaVersion, Compression][] = [
  ['0.8.1.1', 'gzip'],
  ['0.8.2.2', 'snappy'],
];

describe.each(cases)('fetch engine on Kafka %s', (version, compression) => {
  it(`reads 4 partitions (plain and ${compression} batches) exactly once, in order, small fetches`, async () => {
    const k = sharedCluster(version);
    const topic = uniqueTopic('fe-multi');
    await k.createTopic({ name: topic, partitions: 4 });
    const expected = new Map<number, string[]>();
    for (const [round, codec] of [
      [0, 'none'],
      [1, compression],
      [2, 'none'],
    ] as const) {
      const records = Array.from({ length: 120 }, (_, i) => ({
        partition: i % 4,
        value: `r${round}-${i}`,
      }));
      await k.produce(topic, records, { compression: codec });
      for (const r of records) expected.set(r.partition, [...(expected.get(r.partition) ?? []), r.value]);
    }
    // A 600-byte fetch size splits every partition's log over many fetches, and cuts wrappers.
    const h = engineFor(k, { fetchSizeBytes: 600, maxFetchSizeBytes: 64 * 1024, prefetchBytes: 4096 });
    handles.push(h);
    h.engine.assign([0, 1, 2, 3].map((partition) => ({ topic, partition, offset: 'earliest' as const })));
    const got = await pullUntil(h.engine, (b) => count(b) >= 360, 60_000);
    expect(count(got)).toBe(360);
    for (const [p, values] of expected) {
      expect(valuesOf(got, p)).toEqual(values);
      expect(h.engine.position(topic, p)).toBe(BigInt(values.length));
    }
  });
});
