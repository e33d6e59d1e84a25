/**
 * Deserialization schemas, after Flink's `DeserializationSchema` / `KeyedDeserializationSchema`
 * (1.0 form, with the partition). Returning `null` from `deserialize` skips the record (a corrupt
 * record must not become a restart loop); its offset still counts as consumed. An element for
 * which `isEndOfStream` is true is not emitted and ends its partition.
 */
export interface DeserializationSchema<T> {
  deserialize(value: Buffer | null): T | null;
  isEndOfStream(next: T): boolean;
}

export interface KeyedDeserializationSchema<T> {
  /** `key` is null when the message has none; `value` is null for a tombstone. */
  deserializeKeyed(
    key: Buffer | null,
    value: Buffer | null,
    topic: string,
    partition: number,
    offset: bigint,
  ): T | null;
  isEndOfStream(next: T): boolean;
}

export type AnySchema<T> = DeserializationSchema<T> | KeyedDeserializationSchema<T>;

export function isKeyedSchema<T>(s: AnySchema<T>): s is KeyedDeserializationSchema<T> {
  return typeof (s as Partial<KeyedDeserializationSchema<T>>).deserializeKeyed === 'function';
}

/** Flink's KeyedDeserializationSchemaWrapper: the key, topic, partition and offset are dropped. */
export function toKeyedSchema<T>(s: AnySchema<T>): KeyedDeserializationSchema<T> {
  if (isKeyedSchema(s)) return s;
  if (typeof s?.deserialize !== 'function' || typeof s.isEndOfStream !== 'function') {
    throw new TypeError(
      'schema must have deserialize(value) or deserializeKeyed(key, value, ...), and isEndOfStream',
    );
  }
  return {
    deserializeKeyed: (_key, value) => s.deserialize(value),
    isEndOfStream: (next) => s.isEndOfStream(next),
  };
}

/**
 * UTF-8 strings; a tombstone (null value) is skipped. `endMarker` ends the partition.
 * `toString()` without arguments is UTF-8 and skips the argument handling of the named form.
 */
export class SimpleStringSchema implements DeserializationSchema<string> {
  private readonly endMarker: string | undefined;

  constructor(options: { endMarker?: string } = {}) {
    this.endMarker = options.endMarker;
  }

  deserialize(value: Buffer | null): string | null {
    return value === null ? null : value.toString();
  }

  isEndOfStream(next: string): boolean {
    return this.endMarker !== undefined && next === this.endMarker;
  }
}

/**
 * JSON documents. Unparseable values are skipped unless `strict`, which throws instead (the
 * caller then sees the error from the iterator).
 */
export class JsonSchema<T = unknown> implements DeserializationSchema<T> {
  private readonly strict: boolean;
  private readonly endOfStream: ((next: T) => boolean) | undefined;

  constructor(options: { strict?: boolean; isEndOfStream?: (next: T) => boolean } = {}) {
    this.strict = options.strict ?? false;
    this.endOfStream = options.isEndOfStream;
  }

  deserialize(value: Buffer | null): T | null {
    if (value === null) return null;
    try {
      return JSON.parse(value.toString()) as T;
    } catch (err) {
      if (this.strict) throw err;
      return null;
    }
  }

  isEndOfStream(next: T): boolean {
    return this.endOfStream?.(next) ?? false;
  }
}

/**
 * The value bytes as they are; tombstones skipped. No copy is made: the consumers hand schemas
 * bytes already copied out of the fetch response (see RecordReader), safe to keep.
 */
export class RawBytesSchema implements DeserializationSchema<Buffer> {
  deserialize(value: Buffer | null): Buffer | null {
    return value;
  }

  isEndOfStream(): boolean {
    return false;
  }
}

/** Everything Kafka says about a message. Null keys and values are kept. */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

export class KafkaRecordSchema implements KeyedDeserializationSchema<KafkaRecord> {
  deserializeKeyed(
    key: Buffer | null,
    value: Buffer | null,
    topic: string,
    partition: number,
    offset: bigint,
  ): KafkaRecord {
    return {
      topic,
      partition,
      offset,
      key,
      value,
    };
  }

  isEndOfStream(): boolean {
    return false;
  }
}

/** Key and value as UTF-8 strings (either may be null), with where the record came from. */
export interface StringKeyValue {
  key: string | null;
  value: string | null;
  topic: string;
  partition: number;
  offset: bigint;
}

export class StringKeyValueSchema implements KeyedDeserializationSchema<StringKeyValue> {
  deserializeKeyed(
    key: Buffer | null,
    value: Buffer | null,
    topic: string,
    partition: number,
    offset: bigint,
  ): StringKeyValue {
    return {
      key: key === null ? null : key.toString(),
      value: value === null ? null : value.toString(),
      topic,
      partition,
      offset,
    };
  }

  isEndOfStream(): boolean {
    return false;
  }
}
