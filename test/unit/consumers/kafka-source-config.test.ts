import { describe, expect, it } from 'vitest';
import { parseRegistration } from '../../../src/consumers/group/registration.js';
import { parseBrokerAddress } from '../../../src/consumers/group/zk-state.js';
import {
  ConsumerConfigError,
  consumerIdString,
  KafkaSource,
  registrationJson,
  resolveKafkaSourceConfig,
  SimpleStringSchema,
} from '../../../src/consumers/index.js';
import { thrown } from '../../helpers/thrown.js';

const base = { 'zookeeper.connect': 'localhost:2181', 'group.id': 'g' };

function configError(f: () => unknown): ConsumerConfigError {
  return thrown(ConsumerConfigError, f);
}

describe('KafkaSource configuration', () => {
  it('has Kafka 0.8.2 high-level consumer defaults and needs no bootstrap.servers', () => {
    const { consumer, group } = resolveKafkaSourceConfig(base);
    expect(consumer.bootstrapServers).toBe('');
    expect(consumer.autoCommitEnable).toBe(true);
    expect(consumer.autoCommitIntervalMs).toBe(60_000);
    expect(consumer.autoOffsetReset).toBe('largest');
    expect(consumer.zookeeperSessionTimeoutMs).toBe(6000);
    expect(group).toEqual({
      consumerId: undefined,
      rebalanceMaxRetries: 4,
      rebalanceBackoffMs: 2000,
      zookeeperSyncTimeMs: 2000,
      partitionAssignmentStrategy: 'range',
    });
  });

  it('takes Kafka names and camelCase; rebalance.backoff.ms follows zookeeper.sync.time.ms', () => {
    const { group } = resolveKafkaSourceConfig({
      ...base,
      'zookeeper.sync.time.ms': '300',
      'rebalance.max.retries': '7',
      partitionAssignmentStrategy: 'roundrobin',
      'consumer.id': 'c1',
    });
    expect(group).toMatchObject({
      rebalanceBackoffMs: 300,
      rebalanceMaxRetries: 7,
      partitionAssignmentStrategy: 'roundrobin',
      consumerId: 'c1',
    });
    expect(resolveKafkaSourceConfig({ ...base, rebalanceBackoffMs: 10 }).group.rebalanceBackoffMs).toBe(10);
  });

  it('names the offending key', () => {
    expect(
      configError(() => resolveKafkaSourceConfig({ ...base, 'partition.assignment.strategy': 'sticky' })).key,
    ).toBe('partition.assignment.strategy');
    expect(configError(() => resolveKafkaSourceConfig({ ...base, 'rebalance.max.retries': '0' })).key).toBe(
      'rebalance.max.retries',
    );
    expect(configError(() => resolveKafkaSourceConfig({ ...base, 'consumer.id': 'a/b' })).key).toBe(
      'consumer.id',
    );
    expect(configError(() => resolveKafkaSourceConfig({ ...base, 'offsets.storage': 'kafka' })).key).toBe(
      'offsets.storage',
    );
    expect(configError(() => resolveKafkaSourceConfig({ ...base, checkpointing: true })).key).toBe(
      'checkpointing',
    );
    expect(configError(() => resolveKafkaSourceConfig({ 'group.id': 'g' })).key).toBe('zookeeper.connect');
    expect(configError(() => resolveKafkaSourceConfig({ ...base, 'bootstrap.servers': 'nohost' })).key).toBe(
      'bootstrap.servers',
    );
    expect(configError(() => resolveKafkaSourceConfig({ ...base, rebalanceMaxRetry: 3 } as never)).key).toBe(
      'rebalanceMaxRetry',
    );
  });

  it('the constructor validates without connecting anywhere', () => {
    const s = new KafkaSource(['b', 'a', 'a'], new SimpleStringSchema(), { ...base, 'consumer.id': 'me' });
    expect(s.topics).toEqual(['a', 'b']);
    expect(s.consumerId).toBe('g_me');
    expect(s.assignment()).toEqual([]);
    expect(() => new KafkaSource([], new SimpleStringSchema(), base)).toThrow(ConsumerConfigError);
  });
});

describe('group registration', () => {
  it('consumerIdString: group_host-ms-hex, or group_consumer.id', () => {
    expect(consumerIdString('g', undefined, 1700000000123, 'box')).toMatch(
      /^g_box-1700000000123-[0-9a-f]{1,8}$/,
    );
    expect(consumerIdString('g', 'fixed')).toBe('g_fixed');
  });

  it('writes the ids znode JSON in 0.8.2 key order with a string timestamp', () => {
    expect(registrationJson(new Map([['t', 1]]), 42)).toBe(
      '{"version":1,"subscription":{"t":1},"pattern":"static","timestamp":"42"}',
    );
  });

  it('reads static and wildcard members (whole-name match, internal topic skipped); garbage is no subscription', () => {
    const topics = ['orders', 'orders-eu', 'logs', '__consumer_offsets'];
    expect(
      parseRegistration(
        '{"version":1,"subscription":{"orders":2},"pattern":"static","timestamp":"1"}',
        topics,
      ),
    ).toEqual(new Map([['orders', 2]]));
    expect(parseRegistration('{"subscription":{"orders.*":1},"pattern":"white_list"}', topics)).toEqual(
      new Map([
        ['orders', 1],
        ['orders-eu', 1],
      ]),
    );
    expect(parseRegistration('{"subscription":{"orders":1},"pattern":"black_list"}', topics)).toEqual(
      new Map([
        ['orders-eu', 1],
        ['logs', 1],
      ]),
    );
    expect(parseRegistration('not json', topics)).toEqual(new Map());
    expect(parseRegistration('{"subscription":{"t":-1}}', topics)).toEqual(new Map());
    expect(parseRegistration('{"subscription":{"(":1},"pattern":"white_list"}', topics)).toEqual(new Map());
  });

  it('reads broker znodes of 0.8 (host/port) and later (PLAINTEXT endpoint first)', () => {
    expect(parseBrokerAddress('{"version":1,"host":"h","port":9092,"jmx_port":-1}')).toEqual({
      host: 'h',
      port: 9092,
    });
    expect(
      parseBrokerAddress(
        '{"version":2,"host":null,"port":-1,"endpoints":["SSL://s:9093","PLAINTEXT://p:9092"]}',
      ),
    ).toEqual({ host: 'p', port: 9092 });
    expect(parseBrokerAddress('{"host":"h","port":70000}')).toBeUndefined();
    expect(parseBrokerAddress('junk')).toBeUndefined();
  });
});
