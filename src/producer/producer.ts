import { setTimeout as sleep } from 'node:timers/promises';
import { asError } from '../protocol/as-error.js';
import { BrokerPool } from '../simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../simple-consumer/cluster-metadata.js';
import { LeaderNotAvailableError, NoBrokerAvailableError } from '../simple-consumer/errors.js';
import { parseSeedBrokers } from '../simple-consumer/seed-brokers.js';
import { invokeCallback, RecordAccumulator, type RecordMetadata, type SendCallback } from './accumulator.js';
import { batchSizingFor } from './batch-sizing.js';
import { BufferMemory } from './buffer-memory.js';
import { type ProducerConfig, type ProducerProperties, resolveProducerConfig } from './config.js';
import { MaxBlockTimeoutError, ProducerClosedError, RecordTooLargeError } from './errors.js';
import { PartitionChoice, type TopicPartitions } from './partition-choice.js';
import { type ProducerMetrics, ProducerStats } from './producer-stats.js';
import { type CheckedRecord, checkRecord, type ProducerRecord, recordWhere, withOwnBytes } from './record.js';
import { sendEach } from './send-batch.js';
import { Sender } from './sender.js';
import { type WaitingSend, WaitingSends } from './waiting-sends.js';

export type { RecordMetadata, SendCallback };

const noop = (): void => undefined;

/**
 * The executor of every record's promise: one shared function instead of a closure per record.
 * The Promise constructor runs it synchronously, so the captured pair is taken right after.
 */
let capturedResolve: ((m: RecordMetadata) => void) | undefined;
let capturedReject: ((e: Error) => void) | undefined;
function captureSettlers(resolve: (m: RecordMetadata) => void, reject: (e: Error) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** A send refused before anything was queued: a rejected promise, or the callback called soon. */
function refuse(err: unknown, callback: SendCallback | undefined): Promise<RecordMetadata> | undefined {
  if (callback === undefined) return Promise.reject(err);
  queueMicrotask(() => invokeCallback(callback, asError(err), undefined));
  return undefined;
}

/**
 * A Kafka 0.8 producer with the semantics of Kafka 0.8.2's Java `KafkaProducer`: records are
 * partitioned as the Java producer partitions them, batched per partition (`batch.size`,
 * `linger.ms`), sent one Produce request per broker, retried on retriable errors with ordering
 * kept per partition, and held within `buffer.memory`, beyond which `send` waits up to
 * `max.block.ms`.
 *
 * `send` resolves once the broker acknowledged the record (per `acks`) and rejects with a typed
 * error carrying the record's topic and partition. 0.8 has no idempotent producer: a retry after
 * a lost answer can write a record twice.
 */
export class Producer {
  private readonly stats = new ProducerStats();
  readonly config: ProducerConfig;
  private readonly pool: BrokerPool;
  private readonly metadata: ClusterMetadata;
  private readonly memory: BufferMemory;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly partitions: PartitionChoice;
  /** Filled by each send's check, in place of a new object per record (see `checkRecord`). */
  private readonly checked: CheckedRecord = {
    topic: '',
    partition: undefined,
    key: null,
    value: null,
    bytes: 0,
    held: 0,
  };
  private readonly topics = new Map<string, TopicPartitions>();
  private readonly metadataTimer: NodeJS.Timeout;
  /** Sends that had to wait (metadata or memory), let in in call order. */
  private readonly waiting = new WaitingSends({
    tryAdmit: (w) => this.tryAdmit(w),
    admit: (w) => this.admit(w),
  });
  private closing: Promise<void> | undefined;

  constructor(properties: ProducerProperties) {
    this.config = resolveProducerConfig(properties);
    const c = this.config;
    this.pool = new BrokerPool({
      clientId: c.clientId,
      requestTimeoutMs: c.requestTimeoutMs + 5000,
      backoff: { baseMs: Math.max(10, c.retryBackoffMs), maxMs: Math.max(1000, c.retryBackoffMs) },
    });
    this.metadata = new ClusterMetadata({
      seedBrokers: parseSeedBrokers(c.bootstrapServers),
      pool: this.pool,
      refreshBackoffMs: c.retryBackoffMs,
    });
    // A caller starting to wait for room makes lingering batches ready: the sender looks again.
    this.memory = new BufferMemory(c.bufferMemory, () => this.sender.wake());
    this.accumulator = new RecordAccumulator(c.batchSize, Date.now, c.bufferMemory, batchSizingFor(c));
    this.sender = new Sender({
      config: c,
      metadata: this.metadata,
      accumulator: this.accumulator,
      release: (bytes) => this.memory.release(bytes),
      pressed: () => this.memory.pressed,
      now: Date.now,
      stats: this.stats,
    });
    this.partitions = new PartitionChoice(c.partitioner, this.metadata);
    this.metadataTimer = setInterval(() => this.refreshTopics(), Math.max(1000, c.metadataMaxAgeMs));
    this.metadataTimer.unref();
  }

  /**
   * Sends one record. Bad input (topic name, key or value type, a partition the topic does not
   * have, a record over max.request.size) rejects before anything is sent.
   *
   * With a callback, `send` returns nothing and calls `callback(error, metadata)` once, as Java's
   * `send(record, callback)` does: no promise is made for the record, which is cheaper when the
   * caller does not await each one. The callback is never called synchronously from `send`.
   */
  send(record: ProducerRecord): Promise<RecordMetadata>;
  send(record: ProducerRecord, callback: SendCallback): void;
  send(record: ProducerRecord, callback?: SendCallback): Promise<RecordMetadata> | undefined {
    let r: CheckedRecord;
    try {
      if (this.closing !== undefined) throw new ProducerClosedError(record?.topic);
      const known = record !== null && typeof record === 'object' ? this.topics.get(record.topic) : undefined;
      // A known topic's name was checked when it became known.
      r = checkRecord(record, known !== undefined, this.checked);
      this.checkSize(r);
      if (this.waiting.size === 0 && known !== undefined && this.memory.tryReserve(r.held)) {
        // Read out of the reused record first: a partitioner may send too, and refill it.
        const { topic, partition, key, value, held } = r;
        const chosen = this.chooseReserved(topic, partition, key, value, held, known);
        return this.append(topic, chosen, key, value, held, callback);
      }
    } catch (err) {
      return refuse(err, callback);
    }
    return this.wait(withOwnBytes(r), callback);
  }

  /**
   * Sends records in order; resolves with their metadata in the same order, or rejects with the
   * first failure (the other records are still sent). One promise for the batch, not one per
   * record: the records are sent with callbacks.
   */
  sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return sendEach(records, (r, callback) => this.send(r, callback));
  }

  /**
   * Sends every record accepted so far without waiting for `linger.ms`, and resolves once each has
   * been answered (successfully or not: failures are reported by their own `send`).
   */
  async flush(): Promise<void> {
    const done = this.sender.hurry();
    try {
      await this.waiting.whenEmpty();
      await Promise.all(this.accumulator.pendingBatches().map((b) => b.whenDone()));
    } finally {
      done();
    }
  }

  /** Records and bytes acknowledged, their rates, requests and their latency, retries, failures, buffered bytes, waiting sends. */
  metrics(): ProducerMetrics {
    return this.stats.snapshot(this.bufferedBytes, this.waiting.size);
  }

  /**
   * True when a send would (nearly) have to wait: buffer.memory is 95% used, or sends already
   * wait. A loop sending many records should then `await waitForRoom()` rather than pile up
   * waiting sends, each of which holds its record (and promise) outside the budget.
   */
  get bufferFull(): boolean {
    return this.waiting.size > 0 || this.memory.full;
  }

  /** Resolves when no send waits (for metadata or buffer.memory) and at most 75% of buffer.memory is used. */
  waitForRoom(): Promise<void> {
    if (this.waiting.size === 0) return this.memory.whenRoom();
    return this.waiting.whenEmpty().then(() => this.memory.whenRoom());
  }

  /** Bytes of records accepted and not yet answered. */
  get bufferedBytes(): number {
    return this.memory.used;
  }

  /** Flushes, then closes every connection and timer. Later sends reject with ProducerClosedError. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.flush();
      } finally {
        clearInterval(this.metadataTimer);
        this.sender.stop();
        this.memory.rejectAll(() => new ProducerClosedError());
        await this.pool.close();
      }
    })();
    return this.closing;
  }

  /** The partitions a topic has (auto-creating it when the broker allows), waiting up to max.block.ms. */
  async partitionCount(topic: string): Promise<number> {
    return (await this.topicPartitions(topic, Date.now() + this.config.maxBlockMs)).count;
  }

  private checkSize(r: CheckedRecord): void {
    if (r.bytes > this.config.maxRequestSize) {
      const where = recordWhere(r.topic, r.partition);
      throw new RecordTooLargeError(where, r.bytes, this.config.maxRequestSize, 'max.request.size');
    }
    if (r.held > this.config.bufferMemory) {
      const where = recordWhere(r.topic, r.partition);
      throw new RecordTooLargeError(where, r.held, this.config.bufferMemory, 'buffer.memory');
    }
  }

  private append(
    topic: string,
    partition: number,
    key: Buffer | null,
    value: Buffer | null,
    held: number,
    callback?: SendCallback,
  ): Promise<RecordMetadata> | undefined {
    if (callback !== undefined) {
      this.appendSettled(topic, partition, key, value, held, callback, null);
      return undefined;
    }
    const acked = new Promise<RecordMetadata>(captureSettlers);
    this.appendSettled(topic, partition, key, value, held, capturedResolve!, capturedReject!);
    return acked;
  }

  private appendSettled(
    topic: string,
    partition: number,
    key: Buffer | null,
    value: Buffer | null,
    held: number,
    first: WaitingSend['first'],
    second: WaitingSend['second'],
  ): void {
    this.accumulator.append(topic, partition, key, value, held, first, second);
    this.sender.appended();
  }

  /** The partition for a record whose buffer.memory is reserved; the memory goes back if none is chosen. */
  private chooseReserved(
    topic: string,
    partition: number | undefined,
    key: Buffer | null,
    value: Buffer | null,
    held: number,
    known: TopicPartitions,
  ): number {
    try {
      return this.partitions.choose(topic, partition, key, value, known);
    } catch (err) {
      this.memory.release(held);
      throw err;
    }
  }

  /** The Java producer's blocking path: the send waits (for metadata, then memory) in call order. */
  private wait(r: CheckedRecord, callback?: SendCallback): Promise<RecordMetadata> | undefined {
    const deadline = Date.now() + this.config.maxBlockMs;
    if (callback !== undefined) {
      this.waiting.add({ record: r, deadline, first: callback, second: null });
      return undefined;
    }
    const acked = new Promise<RecordMetadata>(captureSettlers);
    this.waiting.add({ record: r, deadline, first: capturedResolve!, second: capturedReject! });
    return acked;
  }

  private tryAdmit(w: WaitingSend): boolean {
    const r = w.record;
    const known = this.topics.get(r.topic);
    if (known === undefined || !this.memory.tryReserve(r.held)) return false;
    const chosen = this.chooseReserved(r.topic, r.partition, r.key, r.value, r.held, known);
    this.appendSettled(r.topic, chosen, r.key, r.value, r.held, w.first, w.second);
    return true;
  }

  private async admit(w: WaitingSend): Promise<void> {
    const r = w.record;
    const topic = await this.topicPartitions(r.topic, w.deadline);
    const partition = this.partitions.choose(r.topic, r.partition, r.key, r.value, topic);
    await this.memory.reserve(
      r.held,
      Math.max(0, w.deadline - Date.now()),
      () => new MaxBlockTimeoutError('buffer-memory', this.config.maxBlockMs, { topic: r.topic, partition }),
    );
    this.appendSettled(r.topic, partition, r.key, r.value, r.held, w.first, w.second);
  }

  private async topicPartitions(topic: string, deadline: number): Promise<TopicPartitions> {
    for (;;) {
      const known = this.topics.get(topic);
      if (known !== undefined) return known;
      let lastError: unknown;
      try {
        const ids = await this.metadata.partitionsFor(topic);
        const entry = { count: ids.length, available: [], availableAs: -1 };
        this.topics.set(topic, entry);
        return entry;
      } catch (err) {
        // Still being created, or no broker reachable: wait as Java's send blocks, up to max.block.ms.
        if (!(err instanceof LeaderNotAvailableError) && !(err instanceof NoBrokerAvailableError)) throw err;
        lastError = err;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new MaxBlockTimeoutError('metadata', this.config.maxBlockMs, { topic }, lastError);
      }
      await sleep(Math.min(left, Math.max(this.config.retryBackoffMs, 50)));
    }
  }

  /** metadata.max.age.ms: partition counts grow when partitions are added to a topic. */
  private refreshTopics(): void {
    const names = [...this.topics.keys()];
    if (names.length === 0 || this.closing !== undefined) return;
    this.metadata.refresh(names).then(() => {
      for (const name of names) {
        this.metadata.partitionsFor(name).then((ids) => {
          const t = this.topics.get(name);
          if (t !== undefined && ids.length > t.count) t.count = ids.length;
          if (t !== undefined) t.availableAs = -1;
        }, noop);
      }
    }, noop);
  }
}
