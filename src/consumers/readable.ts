import { Readable } from 'node:stream';

/** A record pulled for the stream, with the sequence number of its hand-out. */
export interface PulledRecord<T> {
  value: T;
  seq: number;
}

export interface ReadableSource<T> {
  /** A record already fetched, handed out at once; undefined when it takes a wait. */
  pullNow(): PulledRecord<T> | undefined;
  /** The next record, handed out; undefined at the end. */
  pull(): Promise<PulledRecord<T> | undefined>;
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
  private reading = false;

  constructor(
    private readonly source: ReadableSource<T>,
    highWaterMark: number,
  ) {
    super({ objectMode: true, highWaterMark });
    this.once('end', () => source.drained());
  }

  override read(size?: number): T | null {
    const value = super.read(size) as T | null;
    if (value !== null) {
      const seq = this.buffered.shift();
      if (seq !== undefined) this.source.taken(seq);
    }
    return value;
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    void this.pullWhileWanted();
  }

  private async pullWhileWanted(): Promise<void> {
    try {
      for (;;) {
        // Records in hand go into the buffer synchronously; only an empty hand waits.
        const item = this.source.pullNow() ?? (await this.source.pull());
        // Destroyed meanwhile: the record was handed out but never taken, so it is not committed.
        if (this.destroyed) return;
        if (item === undefined) {
          this.push(null);
          return;
        }
        const before = this.readableLength;
        this.buffered.push(item.seq);
        const more = this.push(item.value);
        // A flowing stream with an empty buffer hands the record to 'data' inside push(), never
        // through read(): it was taken as it was pushed.
        if (this.readableLength === before && this.buffered[this.buffered.length - 1] === item.seq) {
          this.buffered.pop();
          this.source.taken(item.seq);
        }
        if (!more) return;
      }
    } catch (err) {
      this.destroy(err as Error);
    } finally {
      this.reading = false;
    }
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.source.close().then(
      () => callback(err),
      (closeErr: unknown) => callback((err ?? closeErr) as Error | null),
    );
  }
}
