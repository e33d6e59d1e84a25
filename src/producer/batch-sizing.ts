import type { ProducerConfig } from './config.js';

/** A compressed batch takes at most this many times batch.size of uncompressed records. */
export const MAX_INFLATION = 16;
/** Java's starting guess of a codec's ratio, and how far one wrapper moves it (a tenth). */
const FIRST_RATIO = 0.5;
const DAMPING = 0.9;
/** Java's margin on the estimate, so a wrapper tends to stay at or under batch.size. */
const ESTIMATE_MARGIN = 1.05;

/**
 * How many uncompressed bytes a batch may take before it is full.
 *
 * Uncompressed, `batch.size` bounds the message set itself. Compressed, as in Kafka's Java producer
 * (0.8.2 and later), it bounds the batch's estimated compressed size: uncompressed bytes times the
 * ratio the producer's wrappers have shown so far, times 1.05. Wrappers then come out near
 * batch.size, not a fraction of it, and the broker (which inflates and deflates each wrapper again
 * to number it) gets fewer, larger ones.
 *
 * Unlike Java, a batch never takes more than {@link MAX_INFLATION} times batch.size uncompressed
 * (nor more than max.request.size or `shareLimit`): should the data stop compressing, its wrapper
 * stays well within the broker's message.max.bytes (256 KiB against 1,000,000 by default) and a
 * batch's buffer within the memory budget.
 */
export class BatchSizing {
  readonly batchSize: number;
  private readonly compressed: boolean;
  private readonly maxBytes: number;
  private ratio = FIRST_RATIO;

  /**
   * `maxRequestSize` and `shareLimit` (the buffer.memory one request may hold) cap a compressed
   * batch; an uncompressed one is capped by batch.size alone.
   */
  constructor(batchSize: number, compressed: boolean, maxRequestSize = batchSize, shareLimit = batchSize) {
    this.batchSize = batchSize;
    this.compressed = compressed;
    this.maxBytes = Math.max(batchSize, Math.min(MAX_INFLATION * batchSize, maxRequestSize, shareLimit));
  }

  /** Uncompressed bytes a batch opened now may take (a single larger record still gets a batch). */
  limit(): number {
    if (!this.compressed) return this.batchSize;
    const estimated = Math.floor(this.batchSize / (this.ratio * ESTIMATE_MARGIN));
    return Math.min(this.maxBytes, Math.max(this.batchSize, estimated));
  }

  /** A batch of `raw` uncompressed bytes became a wrapper of `wire` bytes. */
  observe(raw: number, wire: number): void {
    if (!this.compressed || raw <= 0) return;
    this.ratio = this.ratio * DAMPING + (wire / raw) * (1 - DAMPING);
  }

  /** The wire bytes `raw` uncompressed bytes are expected to compress to (with Java's margin). */
  estimatedWire(raw: number): number {
    return this.compressed ? raw * this.ratio * ESTIMATE_MARGIN : raw;
  }

  /** The compression ratio the next batch is sized by. */
  get estimatedRatio(): number {
    return this.ratio;
  }
}

/**
 * Requests that keep a broker busy: a 0.8 broker reads a connection's next request only after
 * answering the last, so one being worked and one waiting leave it no gap. More in flight would
 * each carry less (and a broker pays per request and per wrapper), not make it work faster.
 */
const BUSY_REQUESTS = 2;

/**
 * buffer.memory one request may hold when partitions pipeline: with {@link BUSY_REQUESTS}
 * (or max.in.flight, when lower) requests out, a share is still free for the caller to fill.
 */
export function requestShare(
  c: Pick<ProducerConfig, 'bufferMemory' | 'maxInFlightRequestsPerConnection'>,
): number {
  const out = Math.min(BUSY_REQUESTS, c.maxInFlightRequestsPerConnection);
  return Math.max(1, Math.floor(c.bufferMemory / (out + 1)));
}

/** The sizing a producer with config `c` uses. */
export function batchSizingFor(c: ProducerConfig): BatchSizing {
  return new BatchSizing(c.batchSize, c.codec !== 0, c.maxRequestSize, requestShare(c));
}
