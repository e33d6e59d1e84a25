import type { MessageToEncode } from '../protocol/message-set-encode.js';

/** Where a record landed: `offset` is the broker's, undefined with acks=0 (no answer). */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: bigint | undefined;
}

/**
 * Records for one partition, sent together. A batch takes records until its bytes reach
 * `batch.size` (a record larger than that gets a batch of its own). Compressed, it becomes one
 * wrapper message, kept after the first attempt so a retry does not compress again.
 */
export class Batch {
  readonly createdAt: number;
  readonly messages: MessageToEncode[] = [];
  readonly resolvers: ((m: RecordMetadata) => void)[] = [];
  readonly rejecters: ((e: Error) => void)[] = [];
  /** Wire bytes of the records (12-byte log overhead + message each), measured against batch.size. */
  bytes = 0;
  /** What the records hold of buffer.memory, given back when the batch is answered. */
  held = 0;
  /** Produce requests that carried this batch so far. */
  attempts = 0;
  /** No more appends: full, or already sent once. */
  closed = false;
  /** In a request now in flight. */
  sending = false;
  /** The compressed wrapper, kept so a retry does not compress again. */
  compressed: Buffer | undefined;
  private doneWaiters: (() => void)[] | undefined;

  constructor(createdAt: number) {
    this.createdAt = createdAt;
  }

  /** Resolves when every record of the batch has been answered, successfully or not. */
  whenDone(): Promise<void> {
    return new Promise((resolve) => {
      this.doneWaiters ??= [];
      this.doneWaiters.push(resolve);
    });
  }

  complete(topic: string, partition: number, baseOffset: bigint | undefined): void {
    for (let i = 0; i < this.resolvers.length; i++) {
      this.resolvers[i]!({
        topic,
        partition,
        offset: baseOffset === undefined ? undefined : baseOffset + BigInt(i),
      });
    }
    this.settled();
  }

  fail(error: Error): void {
    for (const reject of this.rejecters) reject(error);
    this.settled();
  }

  private settled(): void {
    for (const w of this.doneWaiters ?? []) w();
    this.doneWaiters = undefined;
  }
}

/**
 * The batches of one partition, oldest first. Batches in flight are always a prefix: requests
 * take the oldest batches not yet sent.
 */
export class PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  readonly batches: Batch[] = [];
  /** Batches at the head that are in requests now in flight. */
  sendingBatches = 0;
  /** Produce requests in flight for this partition. */
  inFlightRequests = 0;
  /** No send before this time (a retry's backoff). */
  retryAt = 0;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /** The oldest batch not in flight. */
  get nextUnsent(): Batch | undefined {
    return this.batches[this.sendingBatches];
  }
}

/**
 * The producer's unsent records, per partition. Appending is synchronous and cheap (the record
 * is only pushed onto its partition's open batch); encoding happens when the batch is sent.
 */
export class RecordAccumulator {
  readonly batchSize: number;
  /** Every partition queue, in creation order (the sender's drain order). */
  readonly queues: PartitionQueue[] = [];
  private readonly byTopic = new Map<string, PartitionQueue[]>();
  private readonly now: () => number;

  constructor(batchSize: number, now: () => number) {
    this.batchSize = batchSize;
    this.now = now;
  }

  queue(topic: string, partition: number): PartitionQueue {
    let byPartition = this.byTopic.get(topic);
    if (byPartition === undefined) {
      byPartition = [];
      this.byTopic.set(topic, byPartition);
    }
    let q = byPartition[partition];
    if (q === undefined) {
      q = new PartitionQueue(topic, partition);
      byPartition[partition] = q;
      this.queues.push(q);
    }
    return q;
  }

  /** Adds a record whose `held` bytes are already reserved; returns its queue (now holding it). */
  append(
    topic: string,
    partition: number,
    message: MessageToEncode,
    bytes: number,
    held: number,
    resolve: (m: RecordMetadata) => void,
    reject: (e: Error) => void,
  ): PartitionQueue {
    const q = this.queue(topic, partition);
    let batch = q.batches[q.batches.length - 1];
    if (batch === undefined || batch.closed || (batch.bytes > 0 && batch.bytes + bytes > this.batchSize)) {
      if (batch !== undefined) batch.closed = true;
      batch = new Batch(this.now());
      q.batches.push(batch);
    }
    batch.messages.push(message);
    batch.resolvers.push(resolve);
    batch.rejecters.push(reject);
    batch.bytes += bytes;
    batch.held += held;
    if (batch.bytes >= this.batchSize) batch.closed = true;
    return q;
  }

  /** Every batch not yet answered, for flush(). */
  pendingBatches(): Batch[] {
    const out: Batch[] = [];
    for (const q of this.queues) out.push(...q.batches);
    return out;
  }
}
