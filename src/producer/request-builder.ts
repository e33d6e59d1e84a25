import { encodeWrapper } from '../protocol/message-set-encode.js';
import type { ProduceRequestTopic } from '../protocol/produce.js';
import type { Batch, PartitionQueue, RecordAccumulator } from './accumulator.js';
import type { ProducerConfig } from './config.js';

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
  /** Take only closed (full) batches: an open batch is neither full nor lingered yet. */
  closedOnly: boolean;
  /** The buffer.memory the request's batches may hold; its first batch is always taken. */
  maxHeld: number;
}

/**
 * Chooses the batches of one request and lays out their message sets: the oldest unsent batches
 * of each queue, in order, within max.request.size (wire bytes, compressed when a codec is set)
 * and the caller's share of buffer.memory. Taken batches are marked in flight.
 */
export class RequestBuilder {
  private readonly config: ProducerConfig;
  private readonly accumulator: RecordAccumulator;

  constructor(config: ProducerConfig, accumulator: RecordAccumulator) {
    this.config = config;
    this.accumulator = accumulator;
  }

  build(queues: readonly PartitionQueue[], limits: RequestLimits): PlannedRequest {
    const carried: Carried[] = [];
    const topics = new Map<string, ProduceRequestTopic>();
    let wire = 0;
    let held = 0;
    let leftOver = false;
    for (const q of queues) {
      const taken: Batch[] = [];
      for (let i = q.sendingBatches; i < q.batches.length; i++) {
        const b = q.batches[i]!;
        if (limits.closedOnly && !b.closed) break;
        const size = this.wireSize(b);
        const first = wire === 0;
        if (!first && (wire + size > this.config.maxRequestSize || held + b.held > limits.maxHeld)) break;
        wire += size;
        held += b.held;
        taken.push(b);
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

  private wireSize(b: Batch): number {
    const codec = this.config.codec;
    return codec === 0 ? b.bytes : this.compressed(b, codec).length;
  }

  /**
   * One partition's message set: its batches' sets, as written at append time, sent as they lie
   * (pieces of the request, not joined). Compressed, each batch is one wrapper (as the Java
   * producer compresses per batch), kept for retries.
   */
  private messageSet(batches: Batch[]): Uint8Array | Uint8Array[] {
    const codec = this.config.codec;
    if (batches.length === 1) {
      const b = batches[0]!;
      return codec === 0 ? b.messageSet : this.compressed(b, codec);
    }
    return batches.map((b) => (codec === 0 ? b.messageSet : this.compressed(b, codec)));
  }

  private compressed(b: Batch, codec: 1 | 2 | 3): Buffer {
    if (b.compressed === undefined) {
      // The wrapper's offset is its last inner message's, relative to the batch as the inner ones are.
      b.compressed = encodeWrapper(codec, b.messageSet, b.count - 1);
      this.accumulator.sizing.observe(b.bytes, b.compressed.length);
      // The wrapper is all a retry needs: the batch's buffer can serve the next batch.
      this.accumulator.releaseBuffer(b);
    }
    return b.compressed;
  }
}
