import { joinOffset } from '../protocol/message-set-bytes.js';
import type { MessageBatch, TopicPartition } from '../simple-consumer/fetch-engine/index.js';
import { type CheckpointPosition, partitionKey } from './checkpoint-state.js';
import { DecodedRecords } from './decoded-records.js';
import type { ConsumerCounters } from './observability.js';
import {
  type AnySchema,
  type DeserializationSchema,
  isKeyedSchema,
  type KeyedDeserializationSchema,
  toKeyedSchema,
} from './schemas.js';
import { UnfinishedRecords } from './unfinished-records.js';

export interface PartitionPosition extends TopicPartition {
  /** Next offset to read, or the symbolic start while it is being resolved. */
  offset: CheckpointPosition;
  /** The log end reported with the last batch handed out (for lag). */
  highWatermark?: bigint;
}

/** What {@link RecordReader.nextValue} returns when no record is in hand. */
export const NO_RECORD: unique symbol = Symbol('no record');
export type NoRecord = typeof NO_RECORD;

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
 *
 * Schemas are given keys and values copied out of the fetch response (in chunks, see
 * `forEachMessageCopied`), so a schema may return or keep them as they are: a kept record then
 * pins a chunk of at most 16 KiB (or its own message, when that is bigger; or a decompressed set
 * of at most 64 KiB, which is memory of its own), never a whole response, and the engine's
 * prefetch limit stays a true bound on the memory of responses.
 *
 * A value-only schema is called as it is, not through the keyed wrapper: it needs no offset, and
 * the batch form then makes no bigint per record (the offset of a record that stops the batch is
 * made when it stops it).
 */
export class RecordReader<T> {
  /** Records handed out and not yet processed: commits stop in front of them. */
  readonly unfinished = new UnfinishedRecords();
  private current: InHand | undefined;
  /** The batch in hand as walked by `nextValue()` (see InHand.decoded). */
  private readonly decoded = new DecodedRecords();
  private readonly schema: KeyedDeserializationSchema<T>;
  /** The schema as given when it reads values only. */
  private readonly valueOnly: DeserializationSchema<T> | undefined;

  /** Throws TypeError for an object that is neither schema form. */
  constructor(
    schema: AnySchema<T>,
    private readonly positions: Map<string, PartitionPosition>,
    private readonly onEndOfStream: (tp: TopicPartition, offset: bigint) => void,
    /** Records and bytes handed out, for metrics. */
    private readonly counters?: ConsumerCounters,
  ) {
    this.schema = toKeyedSchema(schema);
    this.valueOnly = isKeyedSchema(schema) ? undefined : schema;
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Starts handing out a batch the engine just gave (its partition must be assigned). */
  take(batch: MessageBatch): void {
    const pos = this.positions.get(partitionKey(batch.topic, batch.partition));
    if (pos === undefined) return;
    this.counters?.sample();
    pos.highWatermark = batch.highWatermark;
    // The engine moved its own position to nextOffset; ours moves as records are handed out.
    pos.offset = batch.fetchOffset;
    this.current = {
      batch,
      index: 0,
      pos,
      decoded: false,
      nextNum: -1,
      nextBig: 0n,
    };
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
    const v = this.nextValue();
    return v === NO_RECORD ? undefined : { value: v };
  }

  /**
   * {@link next} without the wrapper object, for the forms that hand out one record per call.
   * A batch is walked once (see {@link DecodedRecords}); each hand-out then runs the schema on
   * one record, moves the position, notes the record as unfinished and counts it.
   */
  nextValue(): T | NoRecord {
    const c = this.current;
    if (c === undefined) return NO_RECORD;
    const { batch, pos } = c;
    const d = this.decoded;
    if (!c.decoded) {
      d.decode(batch);
      c.decoded = true;
    }
    const valueOnly = this.valueOnly;
    while (c.index < d.length) {
      const i = c.index;
      let offset: bigint;
      let o = -1;
      if (d.numeric) {
        // The position the previous record left is this record's offset unless there is a gap
        // (a compacted log). Adding 1n to a bigint costs about a quarter of making one from a
        // number, so a bigint is made from the number only at the first record and after gaps.
        o = d.offsetNumber(i);
        offset = c.nextNum === o ? c.nextBig : BigInt(o);
      } else {
        offset = d.bigOffsets![i]!;
      }
      // A throwing schema leaves the index and the position in front of the failing record.
      const raw = d.value(i);
      const value =
        valueOnly !== undefined
          ? valueOnly.deserialize(raw)
          : this.schema.deserializeKeyed(d.key(i), raw, batch.topic, batch.partition, offset);
      c.index++;
      if (value !== null && (valueOnly ?? this.schema).isEndOfStream(value)) {
        pos.offset = offset;
        this.current = undefined;
        this.onEndOfStream(batch, offset);
        return NO_RECORD;
      }
      c.nextNum = o + 1;
      c.nextBig = offset + 1n;
      pos.offset = c.nextBig;
      if (value !== null) {
        this.unfinished.handedOut(pos, offset);
        if (this.counters !== undefined) {
          this.counters.records++;
          this.counters.bytes += d.size(i);
        }
        return value;
      }
    }
    pos.offset = batch.nextOffset;
    this.current = undefined;
    return NO_RECORD;
  }

  /** The rest of the batch in hand as one batch; `undefined` when nothing is in hand. */
  rest(): ConsumerBatch<T> | undefined {
    const c = this.current;
    if (c === undefined) return undefined;
    const { topic, partition } = c.batch;
    const records = c.index === 0 ? this.visitAll(c) : this.drain();
    return { topic, partition, records, nextOffset: c.pos.offset as bigint };
  }

  /** Record by record through `next()`: for a batch already partly handed out. */
  private drain(): T[] {
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
    return records;
  }

  /**
   * A whole batch through its visitor: no Message objects and one position update instead of
   * one per record (the batch form is what throughput readers use; the Message form cost about
   * a third of the consumer's rate and most of its garbage). Same outcomes as `drain()`:
   * nothing here can interleave with a snapshot, since it all runs in one synchronous step.
   */
  private visitAll(c: InHand): T[] {
    const { batch, pos } = c;
    const { topic, partition } = batch;
    const from = pos.offset as bigint;
    const schema = this.schema;
    const valueOnly = this.valueOnly;
    const records: T[] = [];
    let seen = 0;
    let bytes = 0;
    let stop: { offset: bigint; end: boolean; error?: unknown } | undefined;
    batch.forEachMessageCopied((hi, lo, key, value) => {
      if (stop !== undefined) return;
      let v: T | null;
      try {
        v =
          valueOnly !== undefined
            ? valueOnly.deserialize(value)
            : schema.deserializeKeyed(key, value, topic, partition, joinOffset(hi, lo));
      } catch (error) {
        stop = { offset: joinOffset(hi, lo), end: false, error };
        return;
      }
      if (v !== null && (valueOnly ?? schema).isEndOfStream(v)) {
        stop = { offset: joinOffset(hi, lo), end: true };
        return;
      }
      seen++;
      if (v !== null) {
        records.push(v);
        bytes += (key?.length ?? 0) + (value?.length ?? 0);
      }
    });
    const stopped = stop as { offset: bigint; end: boolean; error?: unknown } | undefined;
    if (records.length > 0) {
      this.unfinished.handedOut(pos, from);
      if (this.counters !== undefined) {
        this.counters.records += records.length;
        this.counters.bytes += bytes;
        this.counters.sample();
      }
    }
    if (stopped === undefined) {
      pos.offset = batch.nextOffset;
      this.current = undefined;
      return records;
    }
    // The position stays in front of the record that ended the partition or failed.
    pos.offset = stopped.offset;
    if (stopped.end) {
      this.current = undefined;
      this.onEndOfStream(batch, stopped.offset);
      return records;
    }
    // The failing record throws again from the next call, which reads on from it.
    c.index = seen;
    if (records.length === 0) throw stopped.error;
    return records;
  }
}

interface InHand {
  batch: MessageBatch;
  /** Records of the batch handed out (or skipped) so far. */
  index: number;
  pos: PartitionPosition;
  /** Whether the reader's DecodedRecords holds this batch (walked when `nextValue()` first reads it). */
  decoded: boolean;
  /** The position the last record handed out left, as a number (-1: none) and as a bigint. */
  nextNum: number;
  nextBig: bigint;
}
