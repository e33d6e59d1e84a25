import { messageEntrySize, sealMessageSet, writeUnsealedEntry } from '../protocol/message-set-encode.js';
import { BatchSizing } from './batch-sizing.js';
import { PENDING_SEND_OVERHEAD } from './record.js';

/** Where a record landed: `offset` is the broker's, undefined with acks=0 (no answer). */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: bigint | undefined;
}

/**
 * The callback form of `send`: called once, with the error or with the record's metadata, like
 * the Java producer's `Callback.onCompletion`.
 */
export type SendCallback = (error: Error | null, metadata: RecordMetadata | undefined) => void;

type Resolve = (m: RecordMetadata) => void;
type Reject = (e: Error) => void;
type Settler = Resolve | Reject | SendCallback | null;

/**
 * Settler arrays of answered batches, kept for new batches: grown by push record by record, a
 * batch's array was the largest allocation per record left on the send path. At most
 * `maxSlots` slots are kept, enough for every record buffer.memory admits at once.
 */
export class SettlerPool {
  private readonly free: Settler[][] = [];
  private slots = 0;
  private readonly maxSlots: number;

  constructor(maxSlots: number) {
    this.maxSlots = maxSlots;
  }

  take(): Settler[] {
    const s = this.free.pop();
    if (s === undefined) return [];
    this.slots -= s.length;
    return s;
  }

  /** Takes back an array whose used slots were cleared. */
  give(s: Settler[]): void {
    if (this.slots + s.length > this.maxSlots) return;
    this.slots += s.length;
    this.free.push(s);
  }
}

const NO_SETTLERS: Settler[] = [];

/**
 * Records for one partition, sent together, encoded as they are appended: `buffer` holds the
 * uncompressed message set (offsets 0, 1, ... relative to the batch, as the Java producer writes
 * them), so sending an uncompressed batch costs no per-record work, and a compressed one is
 * compressed once (with the partition's other batches of its request, renumbered). A batch
 * takes records until its bytes reach its `limit` ({@link BatchSizing}: batch.size, or more when
 * compressed); a record larger than that gets a batch of its own.
 */
export class Batch {
  readonly createdAt: number;
  /** Uncompressed bytes the batch may take; its buffer grows towards this as records come. */
  readonly limit: number;
  /** The message set so far, in `buffer[0, bytes)`; undefined once compressed or answered. */
  buffer: Buffer | undefined;
  /** Wire bytes of the records (12-byte log overhead + message each), measured against `limit`. */
  bytes = 0;
  /** Entries in `buffer[0, sealed)` have their CRCs; appends leave them to {@link messageSet}. */
  private sealed = 0;
  /** Records in the batch. */
  count = 0;
  /** What the records hold of buffer.memory, given back when the batch is answered. */
  held = 0;
  /** Produce requests that carried this batch so far. */
  attempts = 0;
  /** No more appends: full, or already sent once. */
  closed = false;
  /** In a request now in flight. */
  sending = false;
  /**
   * The compressed wrapper this batch heads, kept so a retry does not compress again. It holds
   * the records of {@link wrapped} batches: this one and the ones after it in its queue.
   */
  compressed: Buffer | undefined;
  /** Batches in the wrapper this one heads; -1 when an earlier batch's wrapper holds it; 0 before compression. */
  wrapped = 0;
  /**
   * How each record is told its outcome, two slots per record: a promise's resolve and reject,
   * or a callback and null. Two flat slots instead of an object per record, as most records of
   * a batch are pending at once. The first `settlerSlots` are this batch's; a reused array may
   * be longer (its other slots are null).
   */
  private settlers: Settler[];
  private settlerSlots = 0;
  private readonly pool: SettlerPool | undefined;
  private doneWaiters: (() => void)[] | undefined;

  constructor(createdAt: number, buffer: Buffer, limit: number, pool?: SettlerPool) {
    this.createdAt = createdAt;
    this.buffer = buffer;
    this.limit = limit;
    this.pool = pool;
    this.settlers = pool?.take() ?? [];
  }

  /** Bytes the batch may still take. */
  get room(): number {
    return this.buffer === undefined || this.closed ? 0 : this.limit - this.bytes;
  }

  /** Encodes one record at the end of the set; the caller checked {@link room} and the buffer's length. */
  append(
    key: Buffer | null,
    value: Buffer | null,
    held: number,
    first: Resolve | SendCallback,
    second: Reject | null,
  ): void {
    this.bytes = writeUnsealedEntry(this.buffer!, this.bytes, this.count, 0, key, value);
    this.count++;
    this.held += held;
    const s = this.settlers;
    const n = this.settlerSlots;
    s[n] = first;
    s[n + 1] = second;
    this.settlerSlots = n + 2;
  }

  /** The uncompressed message set, every entry with its CRC. */
  get messageSet(): Buffer {
    const buf = this.buffer!;
    if (this.sealed < this.bytes) {
      sealMessageSet(buf, this.sealed, this.bytes);
      this.sealed = this.bytes;
    }
    return buf.subarray(0, this.bytes);
  }

  /** Resolves when every record of the batch has been answered, successfully or not. */
  whenDone(): Promise<void> {
    return new Promise((resolve) => {
      this.doneWaiters ??= [];
      this.doneWaiters.push(resolve);
    });
  }

  complete(topic: string, partition: number, baseOffset: bigint | undefined): void {
    const s = this.settlers;
    const n = this.settlerSlots;
    let offset = baseOffset;
    for (let i = 0; i < n; i += 2) {
      const metadata: RecordMetadata = { topic, partition, offset };
      const second = s[i + 1];
      if (second === null) invokeCallback(s[i] as SendCallback, null, metadata);
      else (s[i] as Resolve)(metadata);
      if (offset !== undefined) offset++;
    }
    this.settled();
  }

  fail(error: Error): void {
    const s = this.settlers;
    const n = this.settlerSlots;
    for (let i = 0; i < n; i += 2) {
      failSettler(s[i] as Resolve | SendCallback, s[i + 1] as Reject | null, error);
    }
    this.settled();
  }

  private settled(): void {
    const s = this.settlers;
    // Cleared, not truncated: truncating an array drops its storage, which reuse is for.
    s.fill(null, 0, this.settlerSlots);
    this.settlerSlots = 0;
    this.settlers = NO_SETTLERS;
    if (s !== NO_SETTLERS) this.pool?.give(s);
    for (const w of this.doneWaiters ?? []) w();
    this.doneWaiters = undefined;
  }
}

/** Tells one pending send it failed: its promise's reject, or its callback (as `invokeCallback`). */
export function failSettler(first: Resolve | SendCallback, second: Reject | null, error: Error): void {
  if (second === null) invokeCallback(first as SendCallback, error, undefined);
  else second(error);
}

/** A callback that throws must not stop the others: its error surfaces as an uncaught exception. */
export function invokeCallback(
  cb: SendCallback,
  error: Error | null,
  metadata: RecordMetadata | undefined,
): void {
  try {
    cb(error, metadata);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}

/**
 * The batches of one partition, oldest first. Batches in flight are always a prefix: requests
 * take the oldest batches not yet sent.
 */
export class PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  /** Its place among the accumulator's queues, which are never removed. */
  readonly order: number;
  /** The accumulator's {@link RecordAccumulator.era} of its last append. */
  appendedIn = -1;
  readonly batches: Batch[] = [];
  /** Batches at the head that are in requests now in flight. */
  sendingBatches = 0;
  /** Produce requests in flight for this partition. */
  inFlightRequests = 0;
  /** No send before this time (a retry's backoff). */
  retryAt = 0;

  constructor(topic: string, partition: number, order: number) {
    this.topic = topic;
    this.partition = partition;
    this.order = order;
  }

  /** The oldest batch not in flight. */
  get nextUnsent(): Batch | undefined {
    return this.batches[this.sendingBatches];
  }
}

/**
 * The producer's unsent records, per partition. Appending encodes the record into its partition's
 * open batch; batch buffers (batch.size at first, grown when a compressed batch takes more) are
 * reused once their batch is compressed or answered, as Java's BufferPool reuses them, so a steady
 * stream allocates none.
 */
export class RecordAccumulator {
  readonly batchSize: number;
  /** How large each new batch may grow; told each wrapper's ratio by the request builder. */
  readonly sizing: BatchSizing;
  /** Every partition queue, in creation order (the sender's drain order). */
  readonly queues: PartitionQueue[] = [];
  /**
   * buffer.memory held by batches that filled since the sender last looked (it zeroes this): how
   * much is ready to go without waiting for the end of the caller's tick.
   */
  closedHeld = 0;
  /**
   * Bumped by the sender's scheduled drains, which run when the caller's code has yielded: a
   * queue appended to in the current era is one the caller may still be filling.
   */
  era = 0;
  private readonly byTopic = new Map<string, PartitionQueue[]>();
  private readonly now: () => number;
  private readonly freeBuffers: Buffer[] = [];
  private freeBytes = 0;
  private readonly poolBytes: number;
  private readonly settlerPool: SettlerPool;

  /** `poolBytes` bounds the bytes of free batch buffers kept for reuse (buffer.memory). */
  constructor(
    batchSize: number,
    now: () => number,
    poolBytes: number,
    sizing: BatchSizing = new BatchSizing(batchSize, false),
  ) {
    this.batchSize = batchSize;
    this.now = now;
    this.poolBytes = poolBytes;
    this.sizing = sizing;
    this.settlerPool = new SettlerPool(2 * Math.ceil(poolBytes / PENDING_SEND_OVERHEAD));
  }

  queue(topic: string, partition: number): PartitionQueue {
    let byPartition = this.byTopic.get(topic);
    if (byPartition === undefined) {
      byPartition = [];
      this.byTopic.set(topic, byPartition);
    }
    let q = byPartition[partition];
    if (q === undefined) {
      q = new PartitionQueue(topic, partition, this.queues.length);
      byPartition[partition] = q;
      this.queues.push(q);
    }
    return q;
  }

  /** Whether the caller appended to `q` since the sender's last scheduled drain: it may still be filling it. */
  beingFilled(q: PartitionQueue): boolean {
    return q.appendedIn === this.era;
  }

  /**
   * Encodes a record whose `held` bytes are already reserved into its partition's open batch
   * (a new one when it does not fit); `first` and `second` are how it is told its outcome.
   */
  append(
    topic: string,
    partition: number,
    key: Buffer | null,
    value: Buffer | null,
    held: number,
    first: Resolve | SendCallback,
    second: Reject | null,
  ): void {
    const q = this.queue(topic, partition);
    q.appendedIn = this.era;
    const bytes = messageEntrySize(key, value);
    let batch = q.batches[q.batches.length - 1];
    if (batch === undefined || batch.room < bytes) {
      if (batch !== undefined) this.close(batch);
      batch = new Batch(
        this.now(),
        this.takeBuffer(bytes),
        Math.max(this.sizing.limit(), bytes),
        this.settlerPool,
      );
      q.batches.push(batch);
    } else if (batch.buffer!.length - batch.bytes < bytes) {
      this.grow(batch, batch.bytes + bytes);
    }
    batch.append(key, value, held, first, second);
    if (batch.bytes >= batch.limit) this.close(batch);
  }

  /**
   * Moves a batch into a buffer of at least `needed` bytes (double the old one, within the
   * batch's limit), so a batch taking many times batch.size is copied a logarithmic number of times.
   */
  private grow(batch: Batch, needed: number): void {
    const old = batch.buffer!;
    const next =
      this.reuse(needed) ?? Buffer.allocUnsafeSlow(Math.min(batch.limit, Math.max(needed, old.length * 2)));
    old.copy(next, 0, 0, batch.bytes);
    batch.buffer = next;
    this.pool(old);
  }

  /** No more appends to `batch`: it is full. */
  private close(batch: Batch): void {
    if (batch.closed) return;
    batch.closed = true;
    this.closedHeld += batch.held;
  }

  /** Gives a batch's buffer back for reuse: the batch is compressed or answered. */
  releaseBuffer(batch: Batch): void {
    const buf = batch.buffer;
    batch.buffer = undefined;
    if (buf !== undefined) this.pool(buf);
  }

  private pool(buf: Buffer): void {
    if (buf.length >= this.batchSize && this.freeBytes + buf.length <= this.poolBytes) {
      this.freeBuffers.push(buf);
      this.freeBytes += buf.length;
    }
  }

  /** Every batch not yet answered, for flush(). */
  pendingBatches(): Batch[] {
    const out: Batch[] = [];
    for (const q of this.queues) out.push(...q.batches);
    return out;
  }

  /** A buffer for a new batch whose first record takes `bytes`: a free one when it is large enough. */
  private takeBuffer(bytes: number): Buffer {
    return this.reuse(bytes) ?? Buffer.allocUnsafeSlow(Math.max(bytes, this.batchSize));
  }

  /** The most recently freed buffer, when it holds at least `bytes`. */
  private reuse(bytes: number): Buffer | undefined {
    const last = this.freeBuffers[this.freeBuffers.length - 1];
    if (last === undefined || last.length < bytes) return undefined;
    this.freeBuffers.pop();
    this.freeBytes -= last.length;
    return last;
  }
}
