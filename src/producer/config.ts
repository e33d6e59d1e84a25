import { Codec } from '../protocol/compression/index.js';
import { misspelledProperty } from '../simple-consumer/property-names.js';
import { parseSeedBrokers } from '../simple-consumer/seed-brokers.js';
import { ProducerConfigError } from './errors.js';
import type { Partitioner } from './partitioner.js';

export type Acks = -1 | 0 | 1;
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4';

/** The typed (camelCase) form; every Kafka-named property has a twin here. */
export interface ProducerOptions {
  /** `bootstrap.servers` (alias `metadata.broker.list`): `host:port,host:port`. Required. */
  bootstrapServers: string;
  /** `acks` (1): 0 = no answer, 1 = leader, -1 (or `all`) = every in-sync replica. */
  acks: Acks;
  /** `compression.type` (`none`): gzip, snappy, or lz4 (lz4 needs 0.8.2 brokers). */
  compressionType: CompressionType;
  /** `batch.size` (16384): bytes of records per partition batch before it is sent without lingering. */
  batchSize: number;
  /** `linger.ms` (0): how long a partition's batch waits for more records before it is sent. */
  lingerMs: number;
  /** `buffer.memory` (33554432): bytes of unsent and unacknowledged records held before `send` waits. */
  bufferMemory: number;
  /** `max.request.size` (1048576): the largest record, and the message bytes of one Produce request. */
  maxRequestSize: number;
  /** `retries` (0): times a batch is sent again after a retriable error. */
  retries: number;
  /** `retry.backoff.ms` (100): wait before a retry and between metadata refreshes. */
  retryBackoffMs: number;
  /**
   * `timeout.ms` (alias `request.timeout.ms`, 30000): how long the broker waits for `acks` before
   * answering RequestTimedOut. The 0.8.2 producer calls it timeout.ms, the 0.8 Scala producer
   * request.timeout.ms. The client waits this plus 5 s for the answer.
   */
  requestTimeoutMs: number;
  /** `client.id` (''): sent in every request header. */
  clientId: string;
  /** `metadata.max.age.ms` (300000): refresh the metadata of topics in use at least this often. */
  metadataMaxAgeMs: number;
  /** `max.block.ms` (60000): how long `send` may wait for buffer room or metadata. */
  maxBlockMs: number;
  /** `max.in.flight.requests.per.connection` (5): Produce requests awaiting an answer per broker. */
  maxInFlightRequestsPerConnection: number;
  /** Chooses the partition of records sent without one (default: Kafka 0.8.2's). */
  partitioner: Partitioner | undefined;
}

type DottedKey = `${string}.${string}`;

/** Kafka-style properties (dotted names, string or typed values) mixed with the typed form. */
export type ProducerProperties = Partial<ProducerOptions> & {
  readonly [key: DottedKey]: string | number | boolean | undefined;
};

export type ProducerConfig = Readonly<ProducerOptions> & { readonly codec: Codec };

type Parse = (raw: unknown, fromProperty: boolean, key: string) => unknown;

interface Setting {
  camel: Exclude<keyof ProducerOptions, 'partitioner'>;
  props: readonly string[];
  parse: Parse;
  fallback: unknown;
}

const INT32_MAX = 0x7fffffff;

function int(min: number, max = INT32_MAX): Parse {
  return (raw, fromProperty, key) => {
    const n =
      typeof raw === 'number'
        ? raw
        : fromProperty && typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)
          ? Number(raw)
          : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new ProducerConfigError(
        key,
        `must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`,
      );
    }
    return n;
  };
}

function oneOf<T>(choices: ReadonlyMap<string, T>): Parse {
  return (raw, _fromProperty, key) => {
    const v = choices.get(String(raw).trim());
    if (v === undefined || (typeof raw !== 'string' && typeof raw !== 'number')) {
      throw new ProducerConfigError(
        key,
        `must be one of ${[...choices.keys()].join(', ')}, got ${JSON.stringify(raw)}`,
      );
    }
    return v;
  };
}

function text(allowEmpty: boolean): Parse {
  return (raw, _fromProperty, key) => {
    if (typeof raw !== 'string' || (!allowEmpty && raw.trim() === '')) {
      throw new ProducerConfigError(key, allowEmpty ? 'must be a string' : 'must be a non-empty string');
    }
    return raw.trim();
  };
}

const ACKS = new Map<string, Acks>([
  ['all', -1],
  ['-1', -1],
  ['0', 0],
  ['1', 1],
]);
const COMPRESSION = new Map<string, CompressionType>(
  (['none', 'gzip', 'snappy', 'lz4'] as const).map((c) => [c, c]),
);
const CODECS: Record<CompressionType, Codec> = {
  none: Codec.None,
  gzip: Codec.Gzip,
  snappy: Codec.Snappy,
  lz4: Codec.Lz4,
};

/** Kafka 0.8.2's producer defaults (ProducerConfig), plus max.block.ms from 0.9. */
const SETTINGS: readonly Setting[] = [
  {
    camel: 'bootstrapServers',
    props: ['bootstrap.servers', 'metadata.broker.list'],
    parse: text(false),
    fallback: undefined,
  },
  { camel: 'acks', props: ['acks', 'request.required.acks'], parse: oneOf(ACKS), fallback: 1 },
  { camel: 'compressionType', props: ['compression.type'], parse: oneOf(COMPRESSION), fallback: 'none' },
  { camel: 'batchSize', props: ['batch.size'], parse: int(0), fallback: 16_384 },
  { camel: 'lingerMs', props: ['linger.ms'], parse: int(0), fallback: 0 },
  {
    camel: 'bufferMemory',
    props: ['buffer.memory'],
    parse: int(1, Number.MAX_SAFE_INTEGER),
    fallback: 33_554_432,
  },
  { camel: 'maxRequestSize', props: ['max.request.size'], parse: int(1), fallback: 1_048_576 },
  { camel: 'retries', props: ['retries'], parse: int(0), fallback: 0 },
  { camel: 'retryBackoffMs', props: ['retry.backoff.ms'], parse: int(0), fallback: 100 },
  { camel: 'requestTimeoutMs', props: ['timeout.ms', 'request.timeout.ms'], parse: int(1), fallback: 30_000 },
  { camel: 'clientId', props: ['client.id'], parse: text(true), fallback: '' },
  { camel: 'metadataMaxAgeMs', props: ['metadata.max.age.ms'], parse: int(0), fallback: 300_000 },
  { camel: 'maxBlockMs', props: ['max.block.ms'], parse: int(0), fallback: 60_000 },
  {
    camel: 'maxInFlightRequestsPerConnection',
    props: ['max.in.flight.requests.per.connection'],
    parse: int(1, 1000),
    fallback: 5,
  },
];

const BY_PROPERTY = new Map(SETTINGS.flatMap((s) => s.props.map((p) => [p, s] as const)));
const BY_CAMEL = new Map(SETTINGS.map((s) => [s.camel as string, s]));

/** The camelCase option a dotted producer property sets; undefined for one we do not know. */
export function producerPropertyOption(property: string): string | undefined {
  return BY_PROPERTY.get(property)?.camel;
}

/** Every dotted producer property we know. */
export function producerPropertyNames(): string[] {
  return [...BY_PROPERTY.keys()];
}

/**
 * Resolves Kafka's dotted property names and/or their camelCase twins into a complete
 * configuration with Kafka 0.8.2's defaults. Unknown dotted keys are ignored, as Kafka does (they
 * may be meant for another client), unless within two edits of one of ours: a typo, refused with
 * the likely name. Unknown camelCase keys are typos and rejected. Two spellings
 * of one setting must agree.
 */
export function resolveProducerConfig(input: ProducerProperties): ProducerConfig {
  if (input === null || typeof input !== 'object')
    throw new ProducerConfigError('properties', 'must be an object');
  const given = new Map<string, { key: string; value: unknown }>();
  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined || key === 'partitioner') continue;
    const dotted = key.includes('.');
    const setting = dotted ? BY_PROPERTY.get(key) : BY_CAMEL.get(key);
    if (setting === undefined) {
      if (dotted) {
        const meant = misspelledProperty(key, BY_PROPERTY.keys());
        if (meant !== undefined)
          throw new ProducerConfigError(key, `is not a known property; did you mean ${meant}?`);
        continue;
      }
      throw new ProducerConfigError(key, 'is not a known option');
    }
    const value = setting.parse(raw, dotted, key);
    const before = given.get(setting.camel);
    if (before !== undefined && before.value !== value) {
      throw new ProducerConfigError(
        key,
        `conflicts with ${before.key} (${String(before.value)} vs ${String(value)})`,
      );
    }
    given.set(setting.camel, { key, value });
  }
  const resolved: Record<string, unknown> = {};
  for (const s of SETTINGS) resolved[s.camel] = given.get(s.camel)?.value ?? s.fallback;
  const keyOf = (camel: string): string => given.get(camel)?.key ?? BY_CAMEL.get(camel)?.props[0] ?? camel;

  const servers = resolved.bootstrapServers;
  if (servers === undefined) throw new ProducerConfigError('bootstrap.servers', 'is required');
  try {
    parseSeedBrokers(servers as string);
  } catch (err) {
    throw new ProducerConfigError(
      keyOf('bootstrapServers'),
      `is not host:port[,host:port]: ${(err as Error).message}`,
    );
  }
  if ((resolved.maxRequestSize as number) > (resolved.bufferMemory as number)) {
    throw new ProducerConfigError(
      keyOf('maxRequestSize'),
      `(${String(resolved.maxRequestSize)}) must not exceed buffer.memory (${String(resolved.bufferMemory)})`,
    );
  }
  const partitioner = input.partitioner;
  if (partitioner !== undefined && typeof partitioner !== 'function') {
    throw new ProducerConfigError('partitioner', 'must be a function (record, partitions) => partition');
  }
  const options = resolved as unknown as Omit<ProducerOptions, 'partitioner'>;
  return Object.freeze({ ...options, partitioner, codec: CODECS[options.compressionType] });
}
