import type { FetchBatch, TopicPartition } from '../simple-consumer/fetch-engine/index.js';
import { type CheckpointPosition, partitionKey } from './checkpoint-state.js';
import type { KeyedDeserializationSchema } from './schemas.js';

export interface PartitionPosition extends TopicPartition {
  /** Next offset to read, or the symbolic start while it is being resolved. */
  offset: CheckpointPosition;
}

/** Records of one partition handed out together by `nextBatch()`. */
export interface ConsumerBatch<T> {
  topic: string;
  partition: number;
  records: T[];
  /** Where this partition resumes: the position a snapshot taken now records. */
  nextOffset: bigint;
}

/**
 * Turns fetch batches into records, one or a batch at a time, and moves the partition's
 * position in the same synchronous step as a record is handed out. That is the whole atomicity
 * argument: a snapshot (also synchronous) runs either before a hand-out or after it, never in
 * between, so it never holds a record that was not handed out nor misses one that was.
 *
 * A record whose schema returns null is skipped but counts as consumed. An end-of-stream
 * element is not handed out and not consumed: the partition stops in front of it (a restart
 * from that position meets it again and stops again).
 */
export class RecordReader<T> {
  private current: { batch: FetchBatch; index: number; pos: PartitionPosition } | undefined;

  constructor(
    private readonly schema: KeyedDeserializationSchema<T>,
    private readonly positions: Map<string, PartitionPosition>,
    private readonly onEndOfStream: (tp: TopicPartition, offset: bigint) => void,
  ) {}

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Starts handing out a batch the engine just gave (its partition must be assigned). */
  take(batch: FetchBatch): void {
    const pos = this.positions.get(partitionKey(batch.topic, batch.partition));
    if (pos === undefined) return;
    // The engine moved its own position to nextOffset; ours moves record by record.
    pos.offset = batch.fetchOffset;
    this.current = { batch, index: 0, pos };
  }

  /** Forgets the batch in hand (its partition was unassigned or the consumer closes). */
  drop(): void {
    this.current = undefined;
  }

  dropPartition(topic: string, partition: number): void {
    if (this.current?.batch.topic === topic && this.current.batch.partition === partition)
      this.current = undefined;
  }

  /**
   * The next record of the batch in hand; `undefined` when the batch is used up (or ended its
   * partition). A throwing schema leaves the position in front of the failing record.
   */
  next(): { value: T } | undefined {
    const c = this.current;
    if (c === undefined) return undefined;
    const { batch, pos } = c;
    while (c.index < batch.messages.length) {
      const m = batch.messages[c.index]!;
      const value = this.schema.deserializeKeyed(m.key, m.value, batch.topic, batch.partition, m.offset);
      c.index++;
      if (value !== null && this.schema.isEndOfStream(value)) {
        pos.offset = m.offset;
        this.current = undefined;
        this.onEndOfStream(batch, m.offset);
        return undefined;
      }
      pos.offset = m.offset + 1n;
      if (value !== null) return { value };
    }
    pos.offset = batch.nextOffset;
    this.current = undefined;
    return undefined;
  }

  /** The rest of the batch in hand as one batch; `undefined` when nothing is in hand. */
  rest(): ConsumerBatch<T> | undefined {
    const c = this.current;
    if (c === undefined) return undefined;
    const records: T[] = [];
    try {
      for (;;) {
        const r = this.next();
        if (r === undefined) break;
        records.push(r.value);
      }
    } catch (err) {
      // Hand out what was good; the failing record throws again on the next call.
      if (records.length === 0) throw err;
    }
    return {
      topic: c.batch.topic,
      partition: c.batch.partition,
      records,
      nextOffset: c.pos.offset as bigint,
    };
  }
}
