import { describe, expect, it } from 'vitest';
import {
  defaultPartitioner,
  murmur2,
  ProducerConfigError,
  resolveProducerConfig,
  topicNameProblem,
} from '../../../src/producer/index.js';

// Computed by Kafka 0.8.2.2's own org.apache.kafka.common.utils.Utils.murmur2 (kafka-clients jar)
// on the UTF-8 bytes of each key, with (Utils.abs(h) % 7) as its 7-partition choice.
const JAVA_MURMUR2: [string, number, number][] = [
  ['', 275646681, 2],
  ['a', -1563381124, 5],
  ['ab', 316155434, 0],
  ['abc', 479470107, 4],
  ['abcd', -1323649548, 5],
  ['abcde', 461995741, 4],
  ['hello world', 1221641059, 2],
  ['key-42', -187086521, 3],
  ['été', -2101193575, 4],
  ['0123456789abcdef0', 1856781438, 1],
];

describe('murmur2 and the default partitioner', () => {
  it('match Kafka 0.8.2 Utils.murmur2 and its key placement', () => {
    const choose = defaultPartitioner();
    for (const [text, hash, partition] of JAVA_MURMUR2) {
      const key = Buffer.from(text, 'utf8');
      expect(murmur2(key), text).toBe(hash);
      expect(
        choose({ topic: 't', key, value: null, partitionCount: 7, availablePartitions: [0] }),
        text,
      ).toBe(partition);
    }
    const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(murmur2(bin)).toBe(-1948347274);
  });

  it('spreads keyless records round-robin over the partitions with a leader only', () => {
    const choose = defaultPartitioner();
    const input = { topic: 't', key: null, value: null, partitionCount: 6, availablePartitions: [1, 3, 4] };
    const seen = Array.from({ length: 9 }, () => choose(input));
    expect(new Set(seen)).toEqual(new Set([1, 3, 4]));
    expect(seen.filter((p) => p === 3)).toHaveLength(3);
    // Consecutive picks cycle through the available list.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
    // No leader anywhere: still a partition of the topic.
    expect(choose({ ...input, availablePartitions: [] })).toBeLessThan(6);
  });
});

describe('resolveProducerConfig', () => {
  it('has Kafka 0.8.2 defaults', () => {
    const c = resolveProducerConfig({ 'bootstrap.servers': 'h:1' });
    expect(c).toMatchObject({
      acks: 1,
      compressionType: 'none',
      batchSize: 16384,
      lingerMs: 0,
      bufferMemory: 33554432,
      maxRequestSize: 1048576,
      retries: 0,
      retryBackoffMs: 100,
      requestTimeoutMs: 30000,
      clientId: '',
      metadataMaxAgeMs: 300000,
      maxBlockMs: 60000,
      codec: 0,
    });
  });

  it('takes property names (strings) and camelCase twins (typed), and aliases', () => {
    const c = resolveProducerConfig({
      'bootstrap.servers': 'h:1',
      acks: 'all' as never,
      'compression.type': 'lz4',
      'linger.ms': '5',
      retries: 3,
      'request.timeout.ms': '1500',
      'some.other.client.key': 'x',
    });
    expect(c).toMatchObject({ acks: -1, codec: 3, lingerMs: 5, retries: 3, requestTimeoutMs: 1500 });
    expect(resolveProducerConfig({ bootstrapServers: 'h:1', acks: 0 }).acks).toBe(0);
    expect(resolveProducerConfig({ 'metadata.broker.list': 'h:1', 'timeout.ms': 9 }).requestTimeoutMs).toBe(
      9,
    );
  });

  const bad: [Record<string, unknown>, string][] = [
    [{}, 'bootstrap.servers'],
    [{ 'bootstrap.servers': 'nope' }, 'bootstrap.servers'],
    [{ bootstrapServers: 'h:1', acks: 2 }, 'acks'],
    [{ 'bootstrap.servers': 'h:1', 'compression.type': 'zstd' }, 'compression.type'],
    [{ 'bootstrap.servers': 'h:1', 'batch.size': '-1' }, 'batch.size'],
    [{ 'bootstrap.servers': 'h:1', lingerMs: '5' }, 'lingerMs'],
    [{ 'bootstrap.servers': 'h:1', 'buffer.memory': 'lots' }, 'buffer.memory'],
    [{ 'bootstrap.servers': 'h:1', 'max.request.size': 100, 'buffer.memory': 10 }, 'max.request.size'],
    [{ 'bootstrap.servers': 'h:1', retrys: 3 }, 'retrys'],
    [{ 'bootstrap.servers': 'h:1', 'timeout.ms': 5, 'request.timeout.ms': 6 }, 'request.timeout.ms'],
    [{ 'bootstrap.servers': 'h:1', 'max.block.ms': 1.5 }, 'max.block.ms'],
    [{ 'bootstrap.servers': 'h:1', partitioner: 'murmur' }, 'partitioner'],
  ];
  for (const [props, key] of bad) {
    it(`names ${key} in the error for ${JSON.stringify(props)}`, () => {
      let caught: unknown;
      try {
        resolveProducerConfig(props as never);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ProducerConfigError);
      expect((caught as ProducerConfigError).key).toBe(key);
    });
  }
});

describe('topicNameProblem', () => {
  it('accepts what Kafka accepts and explains the rest', () => {
    for (const ok of ['a', 'A-b_c.9', 'x'.repeat(249)]) expect(topicNameProblem(ok)).toBeUndefined();
    for (const bad of ['', '.', '..', 'a b', 'ä', 'x'.repeat(250), 't/1', 7, null]) {
      expect(topicNameProblem(bad), String(bad)).toMatch(/./);
    }
  });
});
