import { encodeWrapper } from '../protocol/message-set-encode.js';
import type { ProduceRequestTopic } from '../protocol/produce.js';
import type { Batch, PartitionQueue, RecordAccumulator } from './accumulator.js';
import type { ProducerConfig } from './config.js';

/**
 * The most a wrapper of joined batches may hold: half the largest message a broker takes by
 * default (message.max.bytes, 1,000,000 on 0.8 to 0.10), so that a broker rewriting it (inflating
 * and compressing it again with its own codec; 0.10 adding a timestamp to every record) keeps
 * it within that limit.
 */
export const JOINED_WRAPPER_MAX = 500_000;
/** Offset and size before each message of a set; a broker measures the message without them. */
const LOG_OVERHEAD = 12;

/** One partition's share of a Produce request: the oldest unsent batches, in order. */
export interface Carried {
  queue: PartitionQueue;
  batches: Batch[];
}

/** What goes into one Produce request. */
export interface PlannedRequest {
  carried: Carried[];
  topics: ProduceRequestTopic[];
  /** Some batch of these queues did not fit and waits for a later request. */
  leftOver: boolean;
}

export interface RequestLimits {
  /**
   * Take only closed (full) batches of partitions appended to in the current era: the caller may
   * still be filling their open batches.
   */
  closedOnly: boolean;
  /** The buffer.memory the request's batches may hold; its first batch is always taken. */
  maxHeld: number;
}

/**
 * Chooses the batches of one request and lays out their message sets: the oldest unsent batches
 * of each queue, in order, within max.request.size (wire bytes, compressed when a codec is set)
 * and the caller's share of buffer.memory. Taken batches are marked in flight.
 *
 * Compressed, a request carries one wrapper per partition, holding that partition's oldest
 * unsent batches (up to {@link RequestBuilder.wrapperMax} bytes, before and after compression):
 * newer brokers (2.8 and 3.9 of the rig; 1.1 and older took several) refuse a produced
 * partition with more than one compressed wrapper (INVALID_RECORD), and every broker inflates
 * each wrapper it is sent to number its records (Kafka's LZ4 reader allocates two 64 KiB block
 * buffers per wrapper). A wrapper, once made, is kept with its batches and sent whole again on a
 * retry.
 */
export class RequestBuilder {
  private readonly config: ProducerConfig;
  private readonly accumulator: RecordAccumulator;
  /** Where batches are joined before compression, reused: the compressor copies what it reads. */
  private scratch = Buffer.alloc(0);
  private scratchView = new DataView(new ArrayBuffer(0));
  /**
   * How large a wrapper of joined batches may be, its records uncompressed and the message
   * compressed: max.request.size, and {@link JOINED_WRAPPER_MAX}, whatever the data compresses
   * to. A single batch is bounded by the batch sizing instead; batch.size 0 (batching off) joins
   * none.
   */
  readonly wrapperMax: number;

  constructor(config: ProducerConfig, accumulator: RecordAccumulator) {
    this.config = config;
    this.accumulator = accumulator;
    this.wrapperMax = config.batchSize === 0 ? 0 : Math.min(config.maxRequestSize, JOINED_WRAPPER_MAX);
  }

  build(queues: readonly PartitionQueue[], limits: RequestLimits): PlannedRequest {
    const carried: Carried[] = [];
    const topics = new Map<string, ProduceRequestTopic>();
    const codec = this.config.codec;
    const maxWire = this.config.maxRequestSize;
    let wire = 0;
    let held = 0;
    let leftOver = false;
    for (const q of queues) {
      const taken: Batch[] = [];
      const batches = q.batches;
      // Full batches only while the caller may still be filling this partition (see Sender).
      const closedOnly = limits.closedOnly && this.accumulator.beingFilled(q);
      for (let i = q.sendingBatches; i < batches.length; ) {
        const b = batches[i]!;
        if (closedOnly && !b.closed) break;
        const first = wire === 0;
        let n = 1;
        let size = b.bytes;
        let groupHeld = b.held;
        if (codec !== 0) {
          if (b.compressed === undefined) {
            // Not compressed for a request it cannot join: it may share a wrapper with later batches.
            const estimate = this.accumulator.sizing.estimatedWire(b.bytes);
            if (!first && (wire + estimate > maxWire || held + b.held > limits.maxHeld)) break;
            this.compressRun(q, i, codec, closedOnly, maxWire - wire, limits.maxHeld - held);
          }
          n = b.wrapped;
          size = b.compressed!.length;
          for (let j = 1; j < n; j++) groupHeld += batches[i + j]!.held;
        }
        if (!first && (wire + size > maxWire || held + groupHeld > limits.maxHeld)) break;
        wire += size;
        held += groupHeld;
        for (let j = 0; j < n; j++) taken.push(batches[i + j]!);
        i += n;
        // Compressed, one wrapper per partition: newer brokers refuse a second (INVALID_RECORD).
        if (codec !== 0) break;
      }
      if (taken.length === 0) {
        leftOver = true;
        continue;
      }
      for (const b of taken) {
        b.closed = true;
        b.sending = true;
        b.attempts++;
      }
      q.sendingBatches += taken.length;
      q.inFlightRequests++;
      if (q.nextUnsent !== undefined) leftOver = true;
      carried.push({ queue: q, batches: taken });
      let t = topics.get(q.topic);
      if (t === undefined) {
        t = { topic: q.topic, partitions: [] };
        topics.set(q.topic, t);
      }
      t.partitions.push({ partition: q.partition, messageSet: this.messageSet(taken) });
    }
    return { carried, topics: [...topics.values()], leftOver };
  }

  /**
   * One partition's message set: its batches' sets, as written at append time, sent as they lie
   * (pieces of the request, not joined); compressed, the one wrapper its first batch heads.
   */
  private messageSet(batches: Batch[]): Uint8Array | Uint8Array[] {
    if (this.config.codec !== 0) return batches[0]!.compressed!;
    return batches.length === 1 ? batches[0]!.messageSet : batches.map((b) => b.messageSet);
  }

  /**
   * Compresses the unsent batches of `q` from `from` on into one wrapper: as many as fit, by
   * their estimated compressed size, in the request's room (`roomWire`, `roomHeld`) and within
   * {@link wrapperMax} uncompressed. Should the data compress worse than that, fewer batches are
   * joined until the message is within {@link wrapperMax} too. The first batch is always in it.
   */
  private compressRun(
    q: PartitionQueue,
    from: number,
    codec: 1 | 2 | 3,
    closedOnly: boolean,
    roomWire: number,
    roomHeld: number,
  ): void {
    const sizing = this.accumulator.sizing;
    const batches = q.batches;
    let raw = batches[from]!.bytes;
    let held = batches[from]!.held;
    let end = from + 1;
    for (; end < batches.length; end++) {
      const b = batches[end]!;
      if (closedOnly && !b.closed) break;
      const nextRaw = raw + b.bytes;
      if (nextRaw > this.wrapperMax || held + b.held > roomHeld || sizing.estimatedWire(nextRaw) > roomWire)
        break;
      raw = nextRaw;
      held += b.held;
    }
    let run = batches.slice(from, end);
    let wrapped = this.wrap(run, codec);
    while (run.length > 1 && wrapped.wrapper.length - LOG_OVERHEAD > this.wrapperMax) {
      run = run.slice(0, run.length >> 1);
      wrapped = this.wrap(run, codec);
    }
    const head = run[0]!;
    head.compressed = wrapped.wrapper;
    head.wrapped = run.length;
    sizing.observe(wrapped.raw, wrapped.wrapper.length);
    for (const b of run) {
      if (b !== head) b.wrapped = -1;
      // Nothing can be appended to a compressed batch; its buffer can serve the next batch.
      b.closed = true;
      this.accumulator.releaseBuffer(b);
    }
  }

  /**
   * `run`'s records in one compressed wrapper, whose offset is its last record's (relative, as
   * theirs), and the uncompressed bytes it holds.
   */
  private wrap(run: Batch[], codec: 1 | 2 | 3): { wrapper: Buffer; raw: number } {
    let raw = 0;
    let count = 0;
    for (const b of run) {
      raw += b.bytes;
      count += b.count;
    }
    return { wrapper: encodeWrapper(codec, this.joinedSet(run, raw), count - 1), raw };
  }

  /**
   * The message sets of `run` as one set of `raw` bytes, its entries numbered 0, 1, ... across
   * the batches (each batch numbers its own from 0; the offset field lies outside the CRC). Valid
   * until the next call.
   */
  private joinedSet(run: Batch[], raw: number): Buffer {
    if (run.length === 1) return run[0]!.messageSet;
    if (this.scratch.length < raw) {
      this.scratch = Buffer.allocUnsafeSlow(raw);
      this.scratchView = new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.length);
    }
    const out = this.scratch.subarray(0, raw);
    let at = 0;
    for (const b of run) at += b.messageSet.copy(out, at);
    // A DataView, not Buffer#readInt32BE/writeInt32BE, whose argument checks cost more than the
    // stores: this loop runs once per record of every compressed request.
    const view = this.scratchView;
    let next = 0;
    for (let p = 0; p < raw; p += 12 + view.getInt32(p + 8)) {
      view.setInt32(p, 0);
      view.setInt32(p + 4, next++);
    }
    return out;
  }
}
