import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { ConsumerEvents } from './consumer-base.js';
import { toReadable } from './readable.js';
import type { ConsumerBatch, RecordReader } from './record-reader.js';

/**
 * The consumption surfaces every consumer offers (records one at a time, batches, an async
 * iterator, a Node Readable), written once over a {@link RecordReader}. A consumer class only
 * says how the reader gets its next fetched batch (`fill`) and how it closes.
 */
export abstract class RecordSource<T, E extends ConsumerEvents & Record<keyof E, unknown[]> = ConsumerEvents>
  extends EventEmitter<E>
  implements AsyncIterable<T>
{
  protected abstract readonly reader: RecordReader<T>;

  /** Puts the next batch in the reader's hands; false when there will be none. */
  protected abstract fill(): Promise<boolean>;

  abstract close(): Promise<void>;

  /**
   * The next record already fetched, or `undefined` when none is in hand (then `await ready()`).
   * Synchronous on purpose: the record is handed out and its partition's position moves in the
   * caller's own step, so a snapshot taken by other code (a checkpoint timer, several instances
   * checkpointed together) can never include a record the caller has not received yet.
   */
  poll(): { value: T } | undefined {
    return this.reader.next();
  }

  /** {@link poll} for the rest of the batch in hand: its records, or `undefined` when none is in hand. */
  pollBatch(): ConsumerBatch<T> | undefined {
    const b = this.reader.rest();
    return b !== undefined && b.records.length > 0 ? b : undefined;
  }

  /** Resolves true once {@link poll} has a record in hand, false when there will be none. */
  async ready(): Promise<boolean> {
    return this.reader.busy || this.fill();
  }

  /**
   * The next record; `undefined` when every partition ended, or after close. The record is handed
   * out (its position moves) when this resolves, a microtask before the awaiting caller resumes:
   * take snapshots from the reading loop itself, or read with {@link poll} when other code
   * snapshots.
   */
  async read(): Promise<T | undefined> {
    return (await this.nextItem())?.value;
  }

  protected async nextItem(): Promise<{ value: T } | undefined> {
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
  async nextBatch(): Promise<ConsumerBatch<T> | undefined> {
    for (;;) {
      const b = this.reader.rest();
      if (b !== undefined && b.records.length > 0) return b;
      if (!(await this.fill())) return undefined;
    }
  }

  /** Iterates records; leaving the loop early (break, return, throw in the body) closes the consumer. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        const item = await this.nextItem();
        return item === undefined ? { value: undefined, done: true } : { value: item.value, done: false };
      },
      return: async (): Promise<IteratorResult<T>> => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /**
   * A Node Readable in object mode with backpressure: records are read only as the stream's
   * buffer drains. A record pushed into the stream's buffer counts as handed out (snapshots
   * include it): keep `highWaterMark` small (default 1) when checkpointing through a stream.
   * Destroying the stream closes the consumer.
   */
  stream(options: { highWaterMark?: number } = {}): Readable {
    return toReadable(
      () => this.nextItem(),
      () => this.close(),
      options.highWaterMark ?? 1,
    );
  }
}
