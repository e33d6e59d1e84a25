import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../protocol/message-set-types.js';
import { topicNameProblem } from '../protocol/topic-name.js';
import type { FetchEngineOptions } from '../simple-consumer/fetch-engine/index.js';
import { misspelledProperty } from '../simple-consumer/property-names.js';
import { parseSeedBrokers } from '../simple-consumer/seed-brokers.js';
import type { ConsumerConfig, ConsumerOptions, ConsumerProperties, StartFrom } from './config-types.js';
import { ConsumerConfigError } from './errors.js';

export type { ConsumerConfig, ConsumerOptions, ConsumerProperties, StartFrom };

export type Kind =
  | { t: 'int'; min: number; max?: number }
  | { t: 'bool' }
  | { t: 'string' }
  | { t: 'enum'; values: readonly string[] };

interface Entry {
  camel: keyof ConsumerOptions;
  props: readonly string[];
  kind: Kind;
}

const INT = (min: number, max = 0x7fffffff): Kind => ({ t: 'int', min, max });
const RESETS = ['smallest', 'earliest', 'largest', 'latest', 'none'] as const;

const TABLE: readonly Entry[] = [
  { camel: 'bootstrapServers', props: ['bootstrap.servers', 'metadata.broker.list'], kind: { t: 'string' } },
  { camel: 'zookeeperConnect', props: ['zookeeper.connect'], kind: { t: 'string' } },
  { camel: 'groupId', props: ['group.id'], kind: { t: 'string' } },
  { camel: 'clientId', props: ['client.id'], kind: { t: 'string' } },
  { camel: 'zookeeperSessionTimeoutMs', props: ['zookeeper.session.timeout.ms'], kind: INT(1) },
  { camel: 'zookeeperConnectionTimeoutMs', props: ['zookeeper.connection.timeout.ms'], kind: INT(1) },
  { camel: 'autoOffsetReset', props: ['auto.offset.reset'], kind: { t: 'enum', values: RESETS } },
  { camel: 'fetchMessageMaxBytes', props: ['fetch.message.max.bytes'], kind: INT(1) },
  { camel: 'fetchMessageMaxBytesCeiling', props: ['fetch.message.max.bytes.ceiling'], kind: INT(1) },
  { camel: 'fetchWaitMaxMs', props: ['fetch.wait.max.ms'], kind: INT(0) },
  { camel: 'fetchMinBytes', props: ['fetch.min.bytes'], kind: INT(0) },
  { camel: 'socketTimeoutMs', props: ['socket.timeout.ms'], kind: INT(1) },
  { camel: 'socketReceiveBufferBytes', props: ['socket.receive.buffer.bytes'], kind: INT(1) },
  { camel: 'autoCommitEnable', props: ['auto.commit.enable', 'enable.auto.commit'], kind: { t: 'bool' } },
  { camel: 'autoCommitIntervalMs', props: ['auto.commit.interval.ms'], kind: INT(1) },
  {
    camel: 'offsetsStorage',
    props: ['offsets.storage'],
    kind: { t: 'enum', values: ['zookeeper', 'kafka'] },
  },
  { camel: 'dualCommitEnabled', props: ['dual.commit.enabled'], kind: { t: 'bool' } },
  { camel: 'refreshLeaderBackoffMs', props: ['refresh.leader.backoff.ms'], kind: INT(0) },
  { camel: 'getPartitionsRetry', props: ['flink.get-partitions.retry'], kind: INT(1, 1000) },
  { camel: 'readLegacyOffsets', props: ['flink.offsets.legacy-convention'], kind: { t: 'bool' } },
  { camel: 'subtaskIndex', props: [], kind: INT(0) },
  { camel: 'parallelism', props: [], kind: INT(1) },
  { camel: 'claimSubtask', props: [], kind: { t: 'bool' } },
  { camel: 'checkpointing', props: [], kind: { t: 'bool' } },
  { camel: 'commitOffsets', props: [], kind: { t: 'bool' } },
  { camel: 'prefetchBytes', props: [], kind: INT(1, Number.MAX_SAFE_INTEGER) },
  { camel: 'maxDecompressedBytes', props: [], kind: INT(1, Number.MAX_SAFE_INTEGER) },
  { camel: 'metricsIntervalMs', props: ['metrics.interval.ms'], kind: INT(0) },
];

const CAMEL_ONLY = new Set<string>(['startFrom', 'signal', 'logger']);

/** Parses one value; dotted (property) keys may hold strings, typed keys must hold the type. */
export function parseValue(key: string, raw: unknown, kind: Kind, fromProperty: boolean): unknown {
  switch (kind.t) {
    case 'string':
      if (typeof raw !== 'string' || raw.trim() === '')
        throw new ConsumerConfigError(key, 'must be a non-empty string');
      return raw.trim();
    case 'enum':
      if (typeof raw !== 'string' || !kind.values.includes(raw)) {
        throw new ConsumerConfigError(
          key,
          `must be one of ${kind.values.join(', ')}, got ${JSON.stringify(raw)}`,
        );
      }
      return raw;
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (fromProperty && (raw === 'true' || raw === 'false')) return raw === 'true';
      throw new ConsumerConfigError(key, `must be true or false, got ${JSON.stringify(raw)}`);
    case 'int': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (fromProperty && typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) n = Number(raw);
      else throw new ConsumerConfigError(key, `must be an integer, got ${JSON.stringify(raw)}`);
      const max = kind.max ?? 0x7fffffff;
      if (!Number.isSafeInteger(n) || n < kind.min || n > max) {
        throw new ConsumerConfigError(key, `must be an integer in [${kind.min}, ${max}], got ${raw}`);
      }
      return n;
    }
  }
}

/** The topics a consumer is given, checked, without repeats (first occurrence order). */
export function subscribedTopics(topics: string | readonly string[]): string[] {
  const list = typeof topics === 'string' ? [topics] : [...topics];
  if (list.length === 0) throw new ConsumerConfigError('topics', 'must name at least one topic');
  for (const t of list) {
    const problem = topicNameProblem(t);
    if (problem !== undefined)
      throw new ConsumerConfigError('topics', `has an invalid topic name: it ${problem}`);
  }
  return [...new Set(list)];
}

const ZK_CONNECT =
  /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}(?:,(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5})*(?:\/[^/\s][^\s]*)?$/;
/** Kafka 0.8.2 ConsumerConfig.validateGroupId's legal characters. */
const GROUP_ID = /^[A-Za-z0-9._-]+$/;

/**
 * Resolves properties (Kafka's dotted names) and/or the typed camelCase form into a complete
 * configuration with Kafka 0.8's defaults. Unknown dotted keys are ignored, as Kafka does (they
 * may belong to other Kafka clients), unless they are within two edits of one of ours
 * (`auto.offset.rest`): that is a typo, rejected with the likely name. Unknown camelCase keys are
 * typos and rejected.
 */
export function resolveConsumerConfig(
  input: ConsumerProperties,
  options: {
    requireBootstrapServers?: boolean;
    /** Properties another layer took out already, for "did you mean" only. */
    alsoKnown?: readonly string[];
  } = {},
): ConsumerConfig {
  if (input === null || typeof input !== 'object')
    throw new ConsumerConfigError('properties', 'must be an object');
  const given = new Map<keyof ConsumerOptions, { key: string; value: unknown }>();
  const byProp = new Map<string, Entry>();
  const byCamel = new Map<string, Entry>();
  for (const e of TABLE) {
    byCamel.set(e.camel, e);
    for (const p of e.props) byProp.set(p, e);
  }
  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    const dotted = key.includes('.');
    const entry = dotted ? byProp.get(key) : byCamel.get(key);
    if (entry === undefined) {
      if (dotted) {
        const meant = misspelledProperty(key, [...byProp.keys(), ...(options.alsoKnown ?? [])]);
        if (meant !== undefined)
          throw new ConsumerConfigError(key, `is not a known property; did you mean ${meant}?`);
        continue;
      }
      if (CAMEL_ONLY.has(key)) continue;
      throw new ConsumerConfigError(key, 'is not a known option');
    }
    const value = parseValue(key, raw, entry.kind, dotted);
    const before = given.get(entry.camel);
    if (before !== undefined && before.value !== value) {
      throw new ConsumerConfigError(
        key,
        `conflicts with ${before.key} (${String(before.value)} vs ${String(value)})`,
      );
    }
    given.set(entry.camel, { key, value });
  }
  const get = <K extends keyof ConsumerOptions>(k: K): ConsumerOptions[K] | undefined =>
    given.get(k)?.value as ConsumerOptions[K] | undefined;
  const keyOf = (k: keyof ConsumerOptions): string => given.get(k)?.key ?? byCamel.get(k)?.props[0] ?? k;
  const required = <K extends keyof ConsumerOptions>(k: K): ConsumerOptions[K] => {
    const v = get(k);
    if (v === undefined) throw new ConsumerConfigError(byCamel.get(k)?.props[0] ?? k, 'is required');
    return v;
  };

  // KafkaSource finds brokers in ZooKeeper, as Kafka's high-level consumer does: '' = none given.
  const bootstrapServers =
    options.requireBootstrapServers === false
      ? (get('bootstrapServers') ?? '')
      : required('bootstrapServers');
  try {
    if (bootstrapServers !== '') parseSeedBrokers(bootstrapServers);
  } catch (err) {
    throw new ConsumerConfigError(
      keyOf('bootstrapServers'),
      `is not host:port[,host:port]: ${(err as Error).message}`,
    );
  }
  const zookeeperConnect = required('zookeeperConnect');
  if (!ZK_CONNECT.test(zookeeperConnect)) {
    throw new ConsumerConfigError(
      keyOf('zookeeperConnect'),
      `is not host:port[,host:port][/chroot]: ${zookeeperConnect}`,
    );
  }
  const groupId = required('groupId');
  if (!GROUP_ID.test(groupId)) {
    throw new ConsumerConfigError(
      keyOf('groupId'),
      `may only contain letters, digits, '.', '_' and '-': ${groupId}`,
    );
  }
  const fetchMessageMaxBytes = get('fetchMessageMaxBytes') ?? 1024 * 1024;
  const fetchMessageMaxBytesCeiling = get('fetchMessageMaxBytesCeiling') ?? fetchMessageMaxBytes;
  if (fetchMessageMaxBytesCeiling < fetchMessageMaxBytes) {
    throw new ConsumerConfigError(
      keyOf('fetchMessageMaxBytesCeiling'),
      `(${fetchMessageMaxBytesCeiling}) is below fetch.message.max.bytes (${fetchMessageMaxBytes})`,
    );
  }
  const fetchWaitMaxMs = get('fetchWaitMaxMs') ?? 100;
  const socketTimeoutMs = get('socketTimeoutMs') ?? 30_000;
  if (socketTimeoutMs <= fetchWaitMaxMs) {
    throw new ConsumerConfigError(
      keyOf('socketTimeoutMs'),
      `(${socketTimeoutMs}) must exceed fetch.wait.max.ms (${fetchWaitMaxMs})`,
    );
  }
  const parallelism = get('parallelism') ?? 1;
  const subtaskIndex = get('subtaskIndex') ?? 0;
  if (subtaskIndex >= parallelism) {
    throw new ConsumerConfigError(
      keyOf('subtaskIndex'),
      `(${subtaskIndex}) must be below parallelism (${parallelism})`,
    );
  }
  const offsetsStorage = get('offsetsStorage') ?? 'zookeeper';
  const logger = input.logger;
  if (
    logger !== undefined &&
    (typeof logger !== 'object' ||
      logger === null ||
      !(['debug', 'info', 'warn', 'error'] as const).every((l) => typeof logger[l] === 'function'))
  ) {
    throw new ConsumerConfigError(
      'logger',
      'must have debug, info, warn and error functions (pino and console do)',
    );
  }
  const signal = input.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new ConsumerConfigError('signal', 'must be an AbortSignal');
  return Object.freeze({
    bootstrapServers,
    zookeeperConnect,
    groupId,
    clientId: get('clientId') ?? groupId,
    zookeeperSessionTimeoutMs: get('zookeeperSessionTimeoutMs') ?? 6000,
    zookeeperConnectionTimeoutMs:
      get('zookeeperConnectionTimeoutMs') ?? get('zookeeperSessionTimeoutMs') ?? 6000,
    autoOffsetReset: get('autoOffsetReset') ?? 'largest',
    fetchMessageMaxBytes,
    fetchMessageMaxBytesCeiling,
    fetchWaitMaxMs,
    fetchMinBytes: get('fetchMinBytes') ?? 1,
    socketTimeoutMs,
    socketReceiveBufferBytes: get('socketReceiveBufferBytes') ?? 65_536,
    autoCommitEnable: get('autoCommitEnable') ?? true,
    autoCommitIntervalMs: get('autoCommitIntervalMs') ?? 60_000,
    offsetsStorage,
    dualCommitEnabled: get('dualCommitEnabled') ?? offsetsStorage === 'kafka',
    refreshLeaderBackoffMs: get('refreshLeaderBackoffMs') ?? 200,
    getPartitionsRetry: get('getPartitionsRetry') ?? 3,
    readLegacyOffsets: get('readLegacyOffsets') ?? false,
    subtaskIndex,
    parallelism,
    startFrom: validateStartFrom(input.startFrom ?? 'group'),
    checkpointing: get('checkpointing') ?? false,
    commitOffsets: get('commitOffsets') ?? true,
    prefetchBytes: get('prefetchBytes') ?? DEFAULT_CONSUMER_PREFETCH_BYTES,
    maxDecompressedBytes: get('maxDecompressedBytes') ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    claimSubtask: get('claimSubtask') ?? true,
    signal,
    logger,
    metricsIntervalMs: get('metricsIntervalMs') ?? 0,
  });
}

function validateStartFrom(s: unknown): StartFrom {
  if (s === 'group' || s === 'earliest' || s === 'latest') return s;
  if (
    typeof s === 'object' &&
    s !== null &&
    Array.isArray((s as { specificOffsets?: unknown }).specificOffsets)
  ) {
    const list = (s as { specificOffsets: unknown[] }).specificOffsets;
    for (const [i, o] of list.entries()) {
      const e = o as { topic?: unknown; partition?: unknown; offset?: unknown };
      const ok =
        typeof e === 'object' &&
        e !== null &&
        typeof e.topic === 'string' &&
        Number.isInteger(e.partition) &&
        (e.partition as number) >= 0 &&
        typeof e.offset === 'bigint' &&
        e.offset >= 0n;
      if (!ok)
        throw new ConsumerConfigError(
          `startFrom.specificOffsets[${i}]`,
          'must be { topic, partition >= 0, offset: bigint >= 0 }',
        );
    }
    return { specificOffsets: list as { topic: string; partition: number; offset: bigint }[] };
  }
  throw new ConsumerConfigError(
    'startFrom',
    `must be 'group', 'earliest', 'latest' or { specificOffsets }, got ${JSON.stringify(s)}`,
  );
}

/**
 * Half the engine's own default (16 MiB). The consumers keep more than the engine does: each
 * batch's records and their copied bytes, and the young generation V8 grows because those
 * records outlive collections. Halving the read-ahead took about 12 MiB off their peak RSS on
 * 8 partitions over 3 brokers (medians 145 -> 133 MiB, 8 interleaved runs) at the same rate;
 * bench/README.md has the figures.
 */
export const DEFAULT_CONSUMER_PREFETCH_BYTES = 8 * 1024 * 1024;

/** The fetch engine settings a consumer configuration implies (Kafka names mapped to the engine's). */
export function fetchEngineOptions(c: ConsumerConfig): FetchEngineOptions {
  return {
    maxWaitMs: c.fetchWaitMaxMs,
    minBytes: c.fetchMinBytes,
    fetchSizeBytes: c.fetchMessageMaxBytes,
    maxFetchSizeBytes: c.fetchMessageMaxBytesCeiling,
    autoOffsetReset: c.autoOffsetReset,
    socketTimeoutMs: c.socketTimeoutMs,
    prefetchBytes: c.prefetchBytes,
    maxDecompressedBytes: c.maxDecompressedBytes,
    refreshLeaderBackoffMs: c.refreshLeaderBackoffMs,
    // Every record is copied out of the response before the next batch is asked for.
    releaseFrames: true,
  };
}
