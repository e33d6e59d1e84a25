import { finished, Readable } from 'node:stream';
import { NO_RECORD, type NoRecord } from './record-reader.js';

export interface ReadableSource<T> {
  /** A record already fetched, handed out at once; NO_RECORD when it takes a wait. */
  takeNow(): T | NoRecord;
  /** The next record, handed out; NO_RECORD at the end. */
  take(): Promise<T | NoRecord>;
  /** Sequence number of the latest hand-out (the record just taken). */
  latest(): number;
  /** The stream's consumer took the record of hand-out `seq`: the ones before it are processed. */
  taken(seq: number): void;
  /** The stream ended and its consumer took everything: all of it is processed. */
  drained(): void;
  close(): Promise<void>;
}

/**
 * An object-mode Readable over a consumer. `_read` is only called while the stream wants more
 * (push returned true), which is the backpressure: nothing is read ahead of the buffer.
 *
 * A record counts as processed once the stream's consumer takes the NEXT one out of the buffer
 * (a `for await` body asks for it after finishing, a 'data' handler returns first, a pipe's
 * writable accepted it). So records still in the buffer, the one being processed, and one pulled
 * while the stream was being destroyed are never committed: closing gives them back.
 */
export function toReadable<T>(source: ReadableSource<T>, highWaterMark: number): Readable {
  return new ConsumerReadable(source, highWaterMark);
}

class ConsumerReadable<T> extends Readable {
  /** Hand-out numbers of the records in the buffer, oldest first. */
  private readonly buffered: number[] = [];
  /** A wait for the next fetched record is under way. */
  private waiting = false;
  /**
   * The iterator took a buffered record without letting `_read` refill the buffer: the stream
   * then counts a read as under way until the next push, so the iterator starts waits itself.
   */
  private refillHeld = false;
  /** push(null) was called. */
  private ended = false;
  /** Set by the iterator: called after every push a wait ends with. */
  iteratorWake: (() => void) | undefined;
  /** Whether 'data' or a second 'readable' listener reads too; undefined: to be counted again. */
  private othersRead: boolean | undefined;

  constructor(
    private readonly source: ReadableSource<T>,
    highWaterMark: number,
  ) {
    super({ objectMode: true, highWaterMark });
    this.once('end', () => source.drained());
    // Another reader joining gets the stream's usual refills back.
    this.on('newListener', (event: string | symbol) => {
      if (event !== 'data' && event !== 'readable') return;
      this.othersRead = undefined;
      if (this.refillHeld) this.releaseRefill();
    });
    this.on('removeListener', (event: string | symbol) => {
      if (event === 'data' || event === 'readable') this.othersRead = undefined;
    });
  }

  override read(size?: number): T | null {
    const value = super.read(size) as T | null;
    if (value !== null) {
      const seq = this.buffered.shift();
      if (seq !== undefined) this.source.taken(seq);
    }
    return value;
  }

  /**
   * For the iterator: the next record, as read() would give it. While the iterator is the only
   * reader ('data' and other 'readable' listeners would need the records to pass through the
   * buffer), a record in hand is taken directly, the same hand-out and the same taking as a push
   * followed by a read, and a buffered one is read without a refill behind it: otherwise every
   * record would go through the buffer one step ahead of the loop, with the stream's bookkeeping
   * twice per record.
   */
  readForIterator(): T | null {
    if (this.destroyed) return null;
    this.othersRead ??= this.listenerCount('data') > 0 || this.listenerCount('readable') > 1;
    if (this.othersRead || this.ended) return this.read();
    if (this.readableLength > 0) {
      this.refillHeld = true;
      return this.read();
    }
    if (this.waiting) return null;
    try {
      const value = this.source.takeNow();
      if (value !== NO_RECORD) {
        this.source.taken(this.source.latest());
        return value;
      }
    } catch (err) {
      this.destroy(err as Error);
      return null;
    }
    if (!this.refillHeld) return this.read();
    this.startWait();
    return null;
  }

  override _read(): void {
    if (!this.waiting && !this.refillHeld) this.pushWhileWanted();
  }

  /** Ends holding back refills: what `_read` would have done now. */
  private releaseRefill(): void {
    this.refillHeld = false;
    if (!this.waiting) this.pushWhileWanted();
  }

  /**
   * The records in hand go into the buffer synchronously, as many as the stream wants (with the
   * default highWaterMark of 1, one per `_read`, and no promise made for it); only an empty hand
   * starts a wait.
   */
  private pushWhileWanted(): void {
    try {
      for (;;) {
        const value = this.source.takeNow();
        if (value === NO_RECORD) {
          this.startWait();
          return;
        }
        if (!this.pushRecord(value)) return;
      }
    } catch (err) {
      this.destroy(err as Error);
    }
  }

  private startWait(): void {
    this.waiting = true;
    void this.waitForRecord();
  }

  private async waitForRecord(): Promise<void> {
    let value: T | NoRecord;
    try {
      value = await this.source.take();
    } catch (err) {
      this.waiting = false;
      this.destroy(err as Error);
      return;
    }
    this.waiting = false;
    // Destroyed meanwhile: the record was handed out but never taken, so it is not committed.
    if (this.destroyed) return;
    this.refillHeld = false;
    if (value === NO_RECORD) {
      this.ended = true;
      this.push(null);
    } else if (this.pushRecord(value)) this.pushWhileWanted();
    // 'readable' is not always due (the iterator's direct takes skip what arms it).
    this.iteratorWake?.();
  }

  /** Pushes one record handed out just now; returns whether the stream wants more. */
  private pushRecord(value: T): boolean {
    const seq = this.source.latest();
    const before = this.readableLength;
    this.buffered.push(seq);
    const more = this.push(value);
    // A flowing stream with an empty buffer hands the record to 'data' inside push(), never
    // through read(): it was taken as it was pushed.
    if (this.readableLength === before && this.buffered[this.buffered.length - 1] === seq) {
      this.buffered.pop();
      this.source.taken(seq);
    }
    return more;
  }

  /**
   * `for await` over the stream, with what Node's own iterator does (read() until it returns
   * null, then wait for 'readable' or the end; leaving the loop destroys the stream) but without
   * an async generator: that cost several promises and a tick per record, which made a
   * highWaterMark-1 stream several times slower than the consumer's own iterator.
   */
  override [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new RecordIterator(this);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.source.close().then(
      () => callback(err),
      (closeErr: unknown) => callback((err ?? closeErr) as Error | null),
    );
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

class RecordIterator<T> implements AsyncIterableIterator<T> {
  /** undefined while the stream runs; null once it ended; the error it failed with. */
  private outcome: Error | null | undefined;
  private over = false;
  /** Resolves when the stream may have more (or finished), while a next() waits for it. */
  private waiting: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly stopWatching: () => void;
  private readonly onReadable = (): void => this.wakeUp();

  constructor(private readonly stream: ConsumerReadable<T>) {
    stream.on('readable', this.onReadable);
    stream.iteratorWake = this.onReadable;
    this.stopWatching = finished(stream as Readable, { writable: false }, (err) => {
      this.outcome = err ?? null;
      this.wakeUp();
    });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    // Calls made while one waits are answered after it, in call order.
    if (this.waiting !== undefined) return this.waiting.then(() => this.next());
    if (this.over) return Promise.resolve(DONE);
    const chunk = this.stream.readForIterator();
    if (chunk !== null) return Promise.resolve({ value: chunk, done: false });
    const outcome = this.outcome;
    if (outcome !== undefined) {
      this.stop();
      return outcome === null ? Promise.resolve(DONE) : Promise.reject(outcome);
    }
    this.waiting = new Promise<void>((resolve) => {
      this.wake = resolve;
    }).then(() => {
      this.waiting = undefined;
    });
    return this.waiting.then(() => this.next());
  }

  return(): Promise<IteratorResult<T>> {
    this.stop();
    return Promise.resolve(DONE);
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    this.stop();
    return Promise.reject(err);
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Leaving the loop, however, destroys the stream (closing the consumer), as Node's does. */
  private stop(): void {
    if (this.over) return;
    this.over = true;
    this.stream.off('readable', this.onReadable);
    this.stream.iteratorWake = undefined;
    this.stopWatching();
    this.wakeUp();
    this.stream.destroy();
  }
}
