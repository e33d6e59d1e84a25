import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { asError } from '../protocol/as-error.js';
import type { FetchEngine } from '../simple-consumer/fetch-engine/index.js';
import { emitGuarded } from '../simple-consumer/guarded-emit.js';
import type { ConsumerEvents } from './consumer-base.js';
import { ConsumerConfigError, ProcessingError } from './errors.js';
import { ConsumerCounters, type ConsumerMetrics, type Logger, logEvents } from './observability.js';
import { toReadable } from './readable.js';
import {
  type ConsumerBatch,
  NO_RECORD,
  type NoRecord,
  type PartitionPosition,
  type RecordReader,
} from './record-reader.js';

/** Where a record handed to a `run()` handler came from. */
export interface RecordContext {
  topic: string;
  partition: number;
  offset: bigint;
}

export interface RunOptions<T> {
  /** Called for each record in order; the record is processed (committable) once it resolves. */
  eachRecord?: (value: T, context: RecordContext) => void | Promise<void>;
  /** Called for each batch (one partition's records); processed once it resolves. */
  eachBatch?: (batch: ConsumerBatch<T>) => void | Promise<void>;
  /** Stops after the handler in progress finishes; `run()` then resolves. */
  signal?: AbortSignal;
}

/**
 * The consumption surfaces every consumer offers (records one at a time, batches, an async
 * iterator, a Node Readable, a push loop), written once over a {@link RecordReader}. A consumer
 * class only says how the reader gets its next fetched batch (`fill`) and how it closes.
 *
 * Asynchronous reads are served one at a time, in call order: overlapping calls queue instead of
 * racing for the batch in hand. Every read call also says that what was handed out before it is
 * processed, which is what commits (periodic, on close, on a rebalance) may cover; see
 * {@link UnfinishedRecords}.
 */
export abstract class RecordSource<T, E extends ConsumerEvents & Record<keyof E, unknown[]> = ConsumerEvents>
  extends EventEmitter<E>
  implements AsyncIterable<T>
{
  protected abstract readonly reader: RecordReader<T>;
  /** What metrics() reports; the reader and the committer count into it. */
  protected readonly counters = new ConsumerCounters();
  private metricsTimer: NodeJS.Timeout | undefined;
  /** The last queued asynchronous read; the next one starts when it settles. */
  private readTail: Promise<unknown> = Promise.resolve();
  private readsQueued = 0;
  /** Closing on a failure path: the records in hand are not committed. */
  private abandoning = false;

  /** Where the partitions stand and the engine reading them, for metrics(). */
  protected abstract observed(): { positions: Iterable<PartitionPosition>; engine: FetchEngine | undefined };

  /**
   * Per partition the position, the log end and the lag; totals and rates of records and bytes
   * handed out; fetch latency; growths, reconnects, rebalances, commits and their failures.
   */
  metrics(): ConsumerMetrics {
    const { positions, engine } = this.observed();
    return this.counters.snapshot(positions, engine);
  }

  /** Starts the `metrics` event (when an interval is set) and the logger; for constructors. */
  protected observe(config: { logger: Logger | undefined; metricsIntervalMs: number }): void {
    if (config.logger !== undefined) logEvents(this as EventEmitter, config.logger);
    if (config.metricsIntervalMs > 0) {
      this.metricsTimer = setInterval(() => {
        (this as EventEmitter).emit('metrics', this.metrics());
      }, config.metricsIntervalMs);
      this.metricsTimer.unref();
    }
  }

  /** Stops the `metrics` event; for close(). */
  protected stopObserving(): void {
    if (this.metricsTimer !== undefined) clearInterval(this.metricsTimer);
    this.metricsTimer = undefined;
  }

  /** Puts the next batch in the reader's hands; false when there will be none. */
  protected abstract fill(): Promise<boolean>;

  /**
   * Stops reading and releases everything. When the consumer commits (periodically, not through
   * checkpoints), close commits the positions once more, counting every record handed out as
   * processed, as Kafka's own consumer does: call it when you are done with what you read.
   * Leaving a `for await` loop, destroying a `stream()` and a failed `run()` handler close
   * without committing the records in hand, so a restart reads them again.
   */
  abstract close(): Promise<void>;

  /** Closes without committing the records in hand (a loop left early, a handler failed). */
  protected abandon(): Promise<void> {
    this.abandoning = true;
    return this.close();
  }

  /** For `close()` implementations, before their final commit. */
  protected settleForClose(): void {
    if (!this.abandoning) this.reader.unfinished.finishAll();
  }

  /**
   * The next record already fetched, or `undefined` when none is in hand (then `await ready()`).
   * Synchronous on purpose: the record is handed out and its partition's position moves in the
   * caller's own step, so a snapshot taken by other code (a checkpoint timer, several instances
   * checkpointed together) can never include a record the caller has not received yet.
   */
  poll(): { value: T } | undefined {
    this.reader.unfinished.finishAll();
    return this.reader.next();
  }

  /** {@link poll} for the rest of the batch in hand: its records, or `undefined` when none is in hand. */
  pollBatch(): ConsumerBatch<T> | undefined {
    this.reader.unfinished.finishAll();
    const b = this.reader.rest();
    return b !== undefined && b.records.length > 0 ? b : undefined;
  }

  /**
   * Where the records handed out last began (topic, partition, offset of the first), while they
   * are being processed; undefined once the application asked for more.
   */
  recordContext(): RecordContext | undefined {
    return this.reader.unfinished.latestStart();
  }

  /** Resolves true once {@link poll} has a record in hand, false when there will be none. */
  ready(): Promise<boolean> {
    return this.exclusive(async () => {
      this.reader.unfinished.finishAll();
      return this.reader.busy || this.fill();
    });
  }

  /**
   * The next record; `undefined` when every partition ended, or after close. The record is handed
   * out (its position moves) when this resolves, a microtask before the awaiting caller resumes:
   * take snapshots from the reading loop itself, or read with {@link poll} when other code
   * snapshots.
   */
  read(): Promise<T | undefined> {
    // Nothing queued and a record in hand: it goes out without a trip through the queue.
    let now: T | NoRecord;
    try {
      now = this.takeInHand();
    } catch (err) {
      return Promise.reject(asError(err));
    }
    if (now !== NO_RECORD) return Promise.resolve(now);
    return this.exclusive(async () => {
      this.reader.unfinished.finishAll();
      return (await this.nextItem())?.value;
    });
  }

  /**
   * The next record in hand, synchronously, everything handed out before it counting as
   * processed; NO_RECORD when none is in hand or reads are queued. Throws a schema's error.
   */
  private takeInHand(): T | NoRecord {
    if (this.readsQueued > 0) return NO_RECORD;
    this.reader.unfinished.finishAll();
    return this.reader.nextValue();
  }

  private async nextItem(): Promise<{ value: T } | undefined> {
    for (;;) {
      const r = this.reader.next();
      if (r !== undefined) return r;
      if (!(await this.fill())) return undefined;
    }
  }

  /**
   * The records of the next fetched batch (one partition); `undefined` when finished or closed.
   * Handed out when this resolves, like {@link read}; {@link pollBatch} is the synchronous form.
   */
  nextBatch(): Promise<ConsumerBatch<T> | undefined> {
    return this.exclusive(async () => {
      this.reader.unfinished.finishAll();
      for (;;) {
        const b = this.reader.rest();
        if (b !== undefined && b.records.length > 0) return b;
        if (!(await this.fill())) return undefined;
      }
    });
  }

  /**
   * Iterates records. Leaving the loop (break, return, a throw in the body) closes the consumer
   * without committing the record of that last iteration (a loop cannot tell a break from a
   * throw), so a restart reads it again; `run()` knows the difference.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: (): Promise<IteratorResult<T>> => {
        // One promise per record in the common case, not the three an async function makes.
        let now: T | NoRecord;
        try {
          now = this.takeInHand();
        } catch (err) {
          return Promise.reject(asError(err));
        }
        if (now !== NO_RECORD) return Promise.resolve({ value: now, done: false });
        return this.read().then((value) =>
          value === undefined ? { value: undefined, done: true } : { value, done: false },
        );
      },
      return: async (): Promise<IteratorResult<T>> => {
        await this.abandon();
        return { value: undefined, done: true };
      },
    };
  }

  /**
   * A Node Readable in object mode with backpressure: records are read only as the stream's
   * buffer drains. A record pushed into the stream's buffer counts as handed out (snapshots
   * include it): keep `highWaterMark` small (default 1) when checkpointing through a stream.
   * Commits cover a record once the stream's consumer takes the next one. Destroying the stream
   * closes the consumer.
   */
  stream(options: { highWaterMark?: number } = {}): Readable {
    const unfinished = this.reader.unfinished;
    return toReadable(
      {
        // No finishAll here: a record pushed into the buffer is not processed until taken.
        takeNow: () => (this.readsQueued > 0 ? NO_RECORD : this.reader.nextValue()),
        take: () =>
          this.exclusive(async () => {
            const r = await this.nextItem();
            return r === undefined ? NO_RECORD : r.value;
          }),
        latest: () => unfinished.latest,
        taken: (seq) => unfinished.finishBefore(seq),
        drained: () => unfinished.finishAll(),
        close: () => this.abandon(),
      },
      options.highWaterMark ?? 1,
    );
  }

  /**
   * Pushes records (or batches) through `eachRecord` (or `eachBatch`) until every partition ends,
   * the signal fires or the consumer is closed, then closes the consumer. A record is processed,
   * and may be committed, once its handler's promise resolves. A handler that throws or rejects
   * stops the consumer there: `run()` rejects with a {@link ProcessingError} (the handler's error
   * is its cause) and nothing from that record on is committed.
   */
  async run(options: RunOptions<T>): Promise<void> {
    const { eachRecord, eachBatch, signal } = options;
    if ((eachRecord === undefined) === (eachBatch === undefined)) {
      throw new ConsumerConfigError('run', 'needs exactly one of eachRecord and eachBatch');
    }
    let stopping = signal?.aborted === true;
    let inHandler = false;
    // A read waiting for data is ended by closing; a handler under way is left to finish.
    const onAbort = (): void => {
      stopping = true;
      if (!inHandler) void this.close();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let failed = false;
    try {
      while (!stopping) {
        if (eachRecord !== undefined) {
          // A record in hand is taken without a read() promise, and only a handler's own promise
          // is awaited: a sync handler runs through the batch in hand like poll() does.
          let value: T | NoRecord;
          try {
            value = this.takeInHand();
          } catch (err) {
            throw asError(err);
          }
          if (value === NO_RECORD) {
            const read = await this.read();
            if (read === undefined) break;
            value = read;
          }
          const where = this.recordContext();
          if (where === undefined) break;
          inHandler = true;
          try {
            const done = eachRecord(value, where);
            if (done !== undefined) await done;
          } catch (err) {
            throw new ProcessingError(where.topic, where.partition, where.offset, err);
          }
        } else {
          const batch = await this.nextBatch();
          const where = this.recordContext();
          if (batch === undefined || where === undefined) break;
          inHandler = true;
          await this.handle(() => eachBatch!(batch), where);
        }
        inHandler = false;
      }
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // After the last handler resolved, everything handed out is processed; not after a failure.
      await (failed ? this.abandon() : this.close());
    }
  }

  private async handle(handler: () => void | Promise<void>, where: RecordContext): Promise<void> {
    try {
      await handler();
    } catch (err) {
      throw new ProcessingError(where.topic, where.partition, where.offset, err);
    }
  }

  /** Runs asynchronous reads one at a time, in call order. */
  private exclusive<R>(op: () => Promise<R>): Promise<R> {
    this.readsQueued++;
    const run = this.readTail.then(async () => {
      try {
        return await op();
      } finally {
        this.readsQueued--;
      }
    });
    this.readTail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

// A listener that throws is reported (`listener-error`), never unwinds into the consumer. Set on
// the prototype because a method override cannot restate EventEmitter's generic emit signature.
(RecordSource.prototype as EventEmitter).emit = function (
  this: EventEmitter,
  event: string | symbol,
  ...args: unknown[]
): boolean {
  return emitGuarded(this, event, args);
};
