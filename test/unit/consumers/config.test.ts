import { describe, expect, it } from 'vitest';
import { fetchEngineOptions } from '../../../src/consumers/config.js';
import {
  ConsumerConfigError,
  resolveConsumerConfig,
  resolveKafkaSourceConfig,
} from '../../../src/consumers/index.js';

const base = {
  'bootstrap.servers': 'h1:9092,h2:9093',
  'zookeeper.connect': 'z1:2181,z2:2181/kafka',
  'group.id': 'g-1',
};

function keyOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ConsumerConfigError) return e.key;
    throw e;
  }
  return undefined;
}

describe('resolveConsumerConfig', () => {
  it("applies Kafka 0.8's defaults", () => {
    const c = resolveConsumerConfig(base);
    expect(c).toMatchObject({
      clientId: 'g-1',
      autoOffsetReset: 'largest',
      fetchMessageMaxBytes: 1048576,
      fetchMessageMaxBytesCeiling: 1048576,
      fetchWaitMaxMs: 100,
      fetchMinBytes: 1,
      socketTimeoutMs: 30000,
      autoCommitEnable: true,
      autoCommitIntervalMs: 60000,
      offsetsStorage: 'zookeeper',
      dualCommitEnabled: false,
      zookeeperSessionTimeoutMs: 6000,
      getPartitionsRetry: 3,
      subtaskIndex: 0,
      parallelism: 1,
      startFrom: 'group',
      checkpointing: false,
      commitOffsets: true,
    });
  });

  it('reads ahead 8 MiB by default, half the engine alone, and hands the engine what it was given', () => {
    expect(fetchEngineOptions(resolveConsumerConfig(base)).prefetchBytes).toBe(8 * 1024 * 1024);
    const c = resolveConsumerConfig({ ...base, prefetchBytes: 3 * 1024 * 1024 });
    expect(fetchEngineOptions(c).prefetchBytes).toBe(3 * 1024 * 1024);
  });

  it('accepts property strings, typed values and the camelCase form alike', () => {
    const a = resolveConsumerConfig({
      ...base,
      'fetch.message.max.bytes': '2048',
      'auto.commit.enable': 'false',
    });
    const b = resolveConsumerConfig({
      bootstrapServers: 'h1:9092',
      zookeeperConnect: 'z:1',
      groupId: 'g',
      fetchMessageMaxBytes: 2048,
      autoCommitEnable: false,
    });
    expect(a.fetchMessageMaxBytes).toBe(2048);
    expect(b.fetchMessageMaxBytes).toBe(2048);
    expect(a.autoCommitEnable).toBe(false);
    expect(b.autoCommitEnable).toBe(false);
    expect(resolveConsumerConfig({ ...base, 'offsets.storage': 'kafka' }).dualCommitEnabled).toBe(true);
    // Unknown dotted keys belong to other Kafka clients and are ignored, like Kafka does.
    expect(() => resolveConsumerConfig({ ...base, 'queued.max.message.chunks': 2 })).not.toThrow();
  });

  it('names the key of every bad value', () => {
    expect(keyOf(() => resolveConsumerConfig({ ...base, 'bootstrap.servers': undefined }))).toBe(
      'bootstrap.servers',
    );
    expect(keyOf(() => resolveConsumerConfig({ ...base, 'bootstrap.servers': 'nohost' }))).toBe(
      'bootstrap.servers',
    );
    expect(keyOf(() => resolveConsumerConfig({ ...base, 'zookeeper.connect': 'z1' }))).toBe(
      'zookeeper.connect',
    );
    expect(keyOf(() => resolveConsumerConfig({ ...base, 'group.id': 'a b' }))).toBe('group.id');
    expect(keyOf(() => resolveConsumerConfig({ ...base, 'auto.offset.reset': 'begin' }))).toBe(
      'auto.offset.reset',
    );
    expect(keyOf(() => resolveConsumerConfig({ ...base, 'fetch.min.bytes': '1.5' }))).toBe('fetch.min.bytes');
    expect(keyOf(() => resolveConsumerConfig({ ...base, fetchMinBytes: -1 }))).toBe('fetchMinBytes');
    expect(keyOf(() => resolveConsumerConfig({ ...base, 'zookeeper.session.timeout.ms': 'x' }))).toBe(
      'zookeeper.session.timeout.ms',
    );
    expect(
      keyOf(() => resolveConsumerConfig({ ...base, 'socket.timeout.ms': 100, 'fetch.wait.max.ms': 100 })),
    ).toBe('socket.timeout.ms');
    expect(keyOf(() => resolveConsumerConfig({ ...base, 'fetch.message.max.bytes.ceiling': 10 }))).toBe(
      'fetch.message.max.bytes.ceiling',
    );
    expect(keyOf(() => resolveConsumerConfig({ ...base, subtaskIndex: 2, parallelism: 2 }))).toBe(
      'subtaskIndex',
    );
    expect(keyOf(() => resolveConsumerConfig({ ...base, fetchMaxBytes: 1 } as never))).toBe('fetchMaxBytes');
    expect(keyOf(() => resolveConsumerConfig({ ...base, groupId: 'other' }))).toBe('groupId');
    expect(keyOf(() => resolveConsumerConfig({ ...base, startFrom: 'beginning' as never }))).toBe(
      'startFrom',
    );
    expect(
      keyOf(() =>
        resolveConsumerConfig({
          ...base,
          startFrom: { specificOffsets: [{ topic: 't', partition: 0, offset: 1 as never }] },
        }),
      ),
    ).toBe('startFrom.specificOffsets[0]');
  });

  it('Flink testValidateZooKeeperConfig: empty, no connect string, no group all fail', () => {
    expect(keyOf(() => resolveConsumerConfig({}))).toBe('bootstrap.servers');
    expect(keyOf(() => resolveConsumerConfig({ 'bootstrap.servers': 'h:1', 'group.id': 'g' }))).toBe(
      'zookeeper.connect',
    );
    expect(
      keyOf(() => resolveConsumerConfig({ 'bootstrap.servers': 'h:1', 'zookeeper.connect': 'z:1' })),
    ).toBe('group.id');
  });
});

describe('misspelled properties', () => {
  it('a dotted key within two edits of ours is rejected with the likely name', () => {
    for (const [typo, meant] of [
      ['auto.offset.rest', 'auto.offset.reset'],
      ['fetch.wait.max.sm', 'fetch.wait.max.ms'],
      ['auto.comit.enable', 'auto.commit.enable'],
      ['socket.timeout.mss', 'socket.timeout.ms'],
    ] as const) {
      let err: unknown;
      try {
        resolveConsumerConfig({ ...base, [typo]: '1' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConsumerConfigError);
      expect((err as ConsumerConfigError).key).toBe(typo);
      expect((err as ConsumerConfigError).message).toContain(`did you mean ${meant}?`);
    }
  });

  it("other clients' properties and unrelated keys are still ignored", () => {
    expect(() =>
      resolveConsumerConfig({
        ...base,
        'fetch.max.bytes': '1',
        'max.poll.records': '10',
        'enable.auto.commit': 'true',
        'my.application.setting': 'x',
      }),
    ).not.toThrow();
  });

  it('KafkaSource knows its group keys in its suggestions', () => {
    expect(() =>
      resolveKafkaSourceConfig({
        'zookeeper.connect': '127.0.0.1:2181',
        'group.id': 'g',
        'rebalance.max.retrys': 3,
      }),
    ).toThrow(/did you mean rebalance.max.retries\?/);
  });
});
