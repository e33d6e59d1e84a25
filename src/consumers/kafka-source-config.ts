import {
  type ConsumerConfig,
  type ConsumerProperties,
  type Kind,
  parseValue,
  resolveConsumerConfig,
} from './config.js';
import { ConsumerConfigError } from './errors.js';
import type { AssignmentStrategy } from './group/assignors.js';

/** The group-membership settings of KafkaSource (Kafka 0.8.2 ConsumerConfig names and defaults). */
export interface GroupOptions {
  /** `consumer.id`: replaces the generated `<host>-<ms>-<hex>` suffix of the member id (testing). */
  consumerId: string | undefined;
  /** `rebalance.max.retries` (4): attempts per rebalance before ConsumerRebalanceFailedError. */
  rebalanceMaxRetries: number;
  /** `rebalance.backoff.ms` (= `zookeeper.sync.time.ms`, 2000): wait after a failed attempt. */
  rebalanceBackoffMs: number;
  /** `zookeeper.sync.time.ms` (2000). */
  zookeeperSyncTimeMs: number;
  /** `partition.assignment.strategy` (`range`): `range` or `roundrobin`. */
  partitionAssignmentStrategy: AssignmentStrategy;
}

/** Everything KafkaSource accepts: the shared consumer keys plus {@link GroupOptions}. */
export type KafkaSourceProperties = ConsumerProperties & Partial<GroupOptions>;

interface Entry {
  camel: keyof GroupOptions;
  prop: string;
  kind: Kind;
}

const TABLE: readonly Entry[] = [
  { camel: 'consumerId', prop: 'consumer.id', kind: { t: 'string' } },
  { camel: 'rebalanceMaxRetries', prop: 'rebalance.max.retries', kind: { t: 'int', min: 1, max: 1000 } },
  { camel: 'rebalanceBackoffMs', prop: 'rebalance.backoff.ms', kind: { t: 'int', min: 0, max: 600_000 } },
  { camel: 'zookeeperSyncTimeMs', prop: 'zookeeper.sync.time.ms', kind: { t: 'int', min: 0, max: 600_000 } },
  {
    camel: 'partitionAssignmentStrategy',
    prop: 'partition.assignment.strategy',
    kind: { t: 'enum', values: ['range', 'roundrobin'] },
  },
];

/** Keys of the shared configuration that mean nothing for a group consumer, refused when set. */
const REFUSED: readonly { keys: readonly string[]; ok: (v: unknown) => boolean; why: string }[] = [
  {
    keys: ['checkpointing'],
    ok: (v) => v === false,
    why: 'is not supported: KafkaSource auto-commits (use FlinkKafkaConsumer082 to checkpoint)',
  },
  {
    keys: ['offsets.storage', 'offsetsStorage'],
    ok: (v) => v === 'zookeeper',
    why: 'must be zookeeper: KafkaSource writes offsets to ZooKeeper directly',
  },
  { keys: ['subtaskIndex'], ok: (v) => v === 0, why: 'is not used: the group assigns partitions' },
  { keys: ['parallelism'], ok: (v) => v === 1, why: 'is not used: the group assigns partitions' },
  {
    keys: ['startFrom'],
    ok: (v) => v === 'group',
    why: "must be 'group': KafkaSource starts at committed offsets",
  },
];

export interface KafkaSourceConfig {
  consumer: ConsumerConfig;
  group: Readonly<GroupOptions>;
}

export function resolveKafkaSourceConfig(input: KafkaSourceProperties): KafkaSourceConfig {
  if (input === null || typeof input !== 'object')
    throw new ConsumerConfigError('properties', 'must be an object');
  const rest: Record<string, unknown> = {};
  const given = new Map<keyof GroupOptions, unknown>();
  const byKey = new Map<string, Entry>();
  for (const e of TABLE) {
    byKey.set(e.camel, e);
    byKey.set(e.prop, e);
  }
  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    const refused = REFUSED.find((r) => r.keys.includes(key));
    if (refused !== undefined && !refused.ok(raw)) throw new ConsumerConfigError(key, refused.why);
    const entry = byKey.get(key);
    if (entry === undefined) {
      rest[key] = raw;
      continue;
    }
    const value = parseValue(key, raw, entry.kind, key.includes('.'));
    if (given.has(entry.camel) && given.get(entry.camel) !== value)
      throw new ConsumerConfigError(key, `conflicts with another spelling of ${entry.prop}`);
    given.set(entry.camel, value);
  }
  const consumer = resolveConsumerConfig(rest as ConsumerProperties, {
    requireBootstrapServers: false,
    alsoKnown: TABLE.map((e) => e.prop),
  });
  const get = <K extends keyof GroupOptions>(k: K): GroupOptions[K] | undefined =>
    given.get(k) as GroupOptions[K] | undefined;
  const consumerId = get('consumerId');
  if (consumerId !== undefined && !/^[A-Za-z0-9._-]+$/.test(consumerId)) {
    throw new ConsumerConfigError(
      'consumer.id',
      `may only contain letters, digits, '.', '_' and '-': ${consumerId}`,
    );
  }
  const zookeeperSyncTimeMs = get('zookeeperSyncTimeMs') ?? 2000;
  return {
    consumer,
    group: Object.freeze({
      consumerId,
      rebalanceMaxRetries: get('rebalanceMaxRetries') ?? 4,
      rebalanceBackoffMs: get('rebalanceBackoffMs') ?? zookeeperSyncTimeMs,
      zookeeperSyncTimeMs,
      partitionAssignmentStrategy: get('partitionAssignmentStrategy') ?? 'range',
    }),
  };
}
