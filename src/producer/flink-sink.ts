import type { ProducerProperties } from './config.js';
import { PartitionerError, ProducerConfigError, SerializationError } from './errors.js';
import { Producer } from './producer.js';
import { type ProducerRecord, type RecordBytes, topicNameProblem } from './record.js';

/** Flink's `SerializationSchema<T>`: the element becomes the record's value; the key is null. */
export interface SerializationSchema<T> {
  serialize(element: T): RecordBytes | null;
}

/** Flink's `KeyedSerializationSchema<T>` (0.10): key and value separately. */
export interface KeyedSerializationSchema<T> {
  serializeKey(element: T): RecordBytes | null;
  serializeValue(element: T): RecordBytes | null;
}

/** UTF-8 strings, as Flink's SimpleStringSchema serializes them. */
export class StringSerializationSchema implements SerializationSchema<string> {
  serialize(element: string): string {
    return element;
  }
}

/** JSON text of the element. */
export class JsonSerializationSchema<T> implements SerializationSchema<T> {
  serialize(element: T): string {
    return JSON.stringify(element);
  }
}

/**
 * Flink 0.10's `KafkaPartitioner<T>`: `open` is told this sink instance's place among its
 * parallel instances and the topic's partitions; `partition` picks one for each element.
 */
export interface KafkaPartitioner<T> {
  open?(parallelInstanceId: number, parallelInstances: number, partitions: readonly number[]): void;
  partition(
    next: T,
    serializedKey: Buffer | null,
    serializedValue: Buffer | null,
    numPartitions: number,
  ): number;
}

/** Flink's FixedPartitioner: every element of sink instance i goes to partition `partitions[i % n]`. */
export class FixedPartitioner<T> implements KafkaPartitioner<T> {
  private target = -1;

  open(parallelInstanceId: number, _parallelInstances: number, partitions: readonly number[]): void {
    this.target = partitions[parallelInstanceId % partitions.length] ?? 0;
  }

  partition(): number {
    if (this.target < 0) throw new Error('FixedPartitioner used before open()');
    return this.target;
  }
}

/** Where this sink instance runs, as Flink's runtime context would say (default: 0 of 1). */
export interface SinkContext {
  subtaskIndex: number;
  parallelism: number;
}

function isKeyed<T>(
  s: SerializationSchema<T> | KeyedSerializationSchema<T>,
): s is KeyedSerializationSchema<T> {
  return typeof (s as Partial<KeyedSerializationSchema<T>>).serializeValue === 'function';
}

function isSchema<T>(s: unknown): s is SerializationSchema<T> | KeyedSerializationSchema<T> {
  if (s === null || typeof s !== 'object') return false;
  const o = s as Partial<SerializationSchema<T> & KeyedSerializationSchema<T>>;
  return (
    typeof o.serialize === 'function' ||
    (typeof o.serializeKey === 'function' && typeof o.serializeValue === 'function')
  );
}

function asBuffer(v: unknown, topic: string, what: string): Buffer | null {
  if (v === null) return null;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  // A schema's Buffer is sent as it is: a new view of it cost ~140 ns per element.
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new SerializationError(
    topic,
    `${what} returned ${typeof v}, not a Buffer, Uint8Array, string or null`,
  );
}

/**
 * Apache Flink 0.10's `FlinkKafkaProducer<IN>` over {@link Producer}: each `invoke(element)` is
 * serialized by the schema, partitioned by the optional KafkaPartitioner (else Kafka's own
 * partitioner), and sent without waiting for the broker. As in Flink, a failed send is reported
 * by the next `invoke`, `flush` or `close`, unless `setLogFailuresOnly(true)`. A schema or
 * partitioner that throws rejects only that `invoke`, with a SerializationError or PartitionerError.
 */
export class FlinkKafkaProducer<IN> {
  readonly topicId: string;
  readonly producer: Producer;
  private readonly schema: KeyedSerializationSchema<IN>;
  private readonly customPartitioner: KafkaPartitioner<IN> | undefined;
  private logFailuresOnly = false;
  private asyncError: unknown;
  private opened: Promise<number> | undefined;
  /** The topic's partition count once open() has found it: invoke then waits for nothing. */
  private partitions: number | undefined;
  private context: SinkContext = { subtaskIndex: 0, parallelism: 1 };

  /** `(brokerList, topicId, schema)`, or `(topicId, schema, producerConfig[, customPartitioner])`. */
  constructor(
    brokerList: string,
    topicId: string,
    schema: SerializationSchema<IN> | KeyedSerializationSchema<IN>,
  );
  constructor(
    topicId: string,
    schema: SerializationSchema<IN> | KeyedSerializationSchema<IN>,
    producerConfig: ProducerProperties,
    customPartitioner?: KafkaPartitioner<IN>,
  );
  constructor(
    first: string,
    second: string | SerializationSchema<IN> | KeyedSerializationSchema<IN>,
    third: SerializationSchema<IN> | KeyedSerializationSchema<IN> | ProducerProperties,
    customPartitioner?: KafkaPartitioner<IN>,
  ) {
    const brokerForm = typeof second === 'string';
    this.topicId = brokerForm ? second : first;
    const schema = (brokerForm ? third : second) as SerializationSchema<IN> | KeyedSerializationSchema<IN>;
    const config: ProducerProperties = brokerForm
      ? { 'bootstrap.servers': first }
      : (third as ProducerProperties);
    const topicProblem = topicNameProblem(this.topicId);
    if (topicProblem !== undefined) throw new ProducerConfigError('topicId', topicProblem);
    if (!isSchema<IN>(schema)) {
      throw new TypeError(
        'the serialization schema must have serialize(), or serializeKey() and serializeValue()',
      );
    }
    this.schema = isKeyed(schema)
      ? schema
      : { serializeKey: () => null, serializeValue: (e: IN) => schema.serialize(e) };
    this.customPartitioner = customPartitioner;
    this.producer = new Producer(config);
  }

  /** Flink's setLogFailuresOnly: failed sends are written to stderr instead of failing the sink. */
  setLogFailuresOnly(logFailuresOnly: boolean): void {
    this.logFailuresOnly = logFailuresOnly;
  }

  /** Flink's open(): looks up the topic's partitions and opens the custom partitioner with them. */
  open(context: Partial<SinkContext> = {}): Promise<void> {
    this.context = { ...this.context, ...context };
    if (this.opened !== undefined) return this.opened.then(() => undefined);
    const opening = this.producer.partitionCount(this.topicId).then((count) => {
      const partitions = Array.from({ length: count }, (_, i) => i);
      try {
        this.customPartitioner?.open?.(this.context.subtaskIndex, this.context.parallelism, partitions);
      } catch (err) {
        throw new PartitionerError(this.topicId, 'open() threw', err);
      }
      this.partitions = count;
      return count;
    });
    this.opened = opening;
    // A failed open (no metadata yet) is tried again by the next call, not cached forever.
    opening.catch(() => {
      if (this.opened === opening) this.opened = undefined;
    });
    return opening.then(() => undefined);
  }

  /**
   * Sends one element. Resolves once the record is accepted (after any backpressure wait), not
   * when the broker answers; the answer's failure surfaces on a later call.
   */
  invoke(next: IN): Promise<void> {
    const numPartitions = this.partitions;
    if (numPartitions === undefined) return this.invokeOpening(next);
    try {
      this.checkErroneous();
      // With a callback, as Java's sink sends: a promise per element (and an async function's
      // own) cost more CPU and memory than the record itself.
      this.producer.send(this.record(next, numPartitions), this.answered);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.producer.bufferFull ? this.producer.waitForRoom() : ACCEPTED;
  }

  /**
   * An element invoked before open() finished: sent once the partitions are known. One await, the
   * same for every element waiting here, so they resume (and are sent) in the order they came.
   */
  private async invokeOpening(next: IN): Promise<void> {
    await this.open();
    return this.invoke(next);
  }

  /** The element serialized and, with a custom partitioner, given its partition. */
  private record(next: IN, numPartitions: number): ProducerRecord {
    let rawKey: unknown;
    let rawValue: unknown;
    try {
      rawKey = this.schema.serializeKey(next);
      rawValue = this.schema.serializeValue(next);
    } catch (err) {
      throw new SerializationError(this.topicId, err instanceof Error ? err.message : String(err), err);
    }
    const key = asBuffer(rawKey, this.topicId, 'the schema');
    const value = asBuffer(rawValue, this.topicId, 'the schema');
    const record: ProducerRecord = { topic: this.topicId, key, value };
    if (this.customPartitioner !== undefined) {
      let chosen: unknown;
      try {
        chosen = this.customPartitioner.partition(next, key, value, numPartitions);
      } catch (err) {
        throw new PartitionerError(this.topicId, 'partition() threw', err);
      }
      if (typeof chosen !== 'number' || !Number.isInteger(chosen) || chosen < 0 || chosen >= numPartitions) {
        throw new PartitionerError(
          this.topicId,
          `partition() returned ${String(chosen)}, not in [0, ${numPartitions})`,
        );
      }
      record.partition = chosen;
    }
    return record;
  }

  private readonly answered = (err: Error | null): void => {
    if (err === null) return;
    if (this.logFailuresOnly) process.stderr.write(`FlinkKafkaProducer: ${String(err)}\n`);
    else this.asyncError ??= err;
  };

  /** Waits for every record sent so far to be answered; throws the first failure. */
  async flush(): Promise<void> {
    await this.producer.flush();
    this.checkErroneous();
  }

  /** Flushes, closes the producer, and throws the first failure not yet reported. */
  async close(): Promise<void> {
    await this.producer.close();
    this.checkErroneous();
  }

  private checkErroneous(): void {
    const e = this.asyncError;
    if (e === undefined) return;
    this.asyncError = undefined;
    throw e;
  }
}

/** What invoke returns when it waits for nothing: settled once, shared by every call. */
const ACCEPTED: Promise<void> = Promise.resolve();

type AnySchema<IN> = SerializationSchema<IN> | KeyedSerializationSchema<IN>;

/**
 * Flink 0.9's name for the same sink: `(brokerList, topicId, schema[, partitioner])` or
 * `(brokerList, topicId, producerConfig, schema[, partitioner])`.
 */
export class KafkaSink<IN> extends FlinkKafkaProducer<IN> {
  constructor(brokerList: string, topicId: string, schema: AnySchema<IN>, partitioner?: KafkaPartitioner<IN>);
  constructor(
    brokerList: string,
    topicId: string,
    producerConfig: ProducerProperties,
    schema: AnySchema<IN>,
    partitioner?: KafkaPartitioner<IN>,
  );
  constructor(
    brokerList: string,
    topicId: string,
    third: AnySchema<IN> | ProducerProperties,
    fourth?: AnySchema<IN> | KafkaPartitioner<IN>,
    fifth?: KafkaPartitioner<IN>,
  ) {
    if (isSchema<IN>(third)) {
      super(topicId, third, { 'bootstrap.servers': brokerList }, fourth as KafkaPartitioner<IN> | undefined);
    } else {
      const config: ProducerProperties = {
        ...(third as ProducerProperties),
        'bootstrap.servers': brokerList,
      };
      super(topicId, fourth as AnySchema<IN>, config, fifth);
    }
  }
}
