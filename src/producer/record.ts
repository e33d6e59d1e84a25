import { messageEntrySize } from '../protocol/message-set-encode.js';
import { topicNameProblem } from '../protocol/topic-name.js';
import { InvalidRecordError } from './errors.js';

export { topicNameProblem };

export type RecordBytes = Buffer | Uint8Array | string;

/** A record to send. Strings are sent as UTF-8; an absent key is null. */
export interface ProducerRecord {
  topic: string;
  /** Send to this partition; without it the partitioner chooses. */
  partition?: number;
  key?: RecordBytes | null;
  /** null is a tombstone (0.8.1+ brokers). */
  value: RecordBytes | null;
}

/** A record checked and turned into bytes, with the room it takes in buffer.memory. */
export interface CheckedRecord {
  topic: string;
  partition: number | undefined;
  key: Buffer | null;
  value: Buffer | null;
  /** Offset (8) + MessageSize (4) + CRC, magic, attributes, key and value lengths (14) + key + value. */
  bytes: number;
  /** What the record holds of buffer.memory until it is answered: `bytes` plus {@link PENDING_SEND_OVERHEAD}. */
  held: number;
}

/**
 * Java keeps a waiting record as bytes in a pooled buffer; so do we (the batch buffers), but a
 * pending send also keeps its promise or callback and bookkeeping alive, and records that
 * outlive young-generation collections grow the heap: peak RSS grows by about 2 KiB per pending
 * send, in both forms of `send`. Counting 3 KiB keeps `buffer.memory` a bound on what the
 * producer really holds (measurements: bench/README.md, "The pending-send charge").
 */
export const PENDING_SEND_OVERHEAD = 3072;

/** What a value is, for an error about it ("null", "an array", "an object (Map)", "number"). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object'
    ? `an object (${(v as object).constructor?.name ?? 'no prototype'})`
    : typeof v;
}

/** Where a refused record was going, for its error (made only when one is thrown). */
export function recordWhere(
  topic: string,
  partition: number | undefined,
): { topic: string; partition?: number } {
  return partition === undefined ? { topic } : { topic, partition };
}

function toBytes(
  v: unknown,
  field: 'key' | 'value',
  topic: string,
  partition: number | undefined,
): Buffer | null {
  if (v === null) return null;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new InvalidRecordError(
    field,
    `must be a Buffer, Uint8Array, string or null, got ${describe(v)}`,
    recordWhere(topic, partition),
  );
}

/**
 * `r` with copies of its key and value. A send that cannot go into a batch at once holds its
 * record after `send` has returned, and the caller may already be filling the same buffer with
 * the next record; a send that goes in at once has copied the bytes into its batch by then.
 */
export function withOwnBytes(r: CheckedRecord): CheckedRecord {
  return {
    ...r,
    key: r.key === null ? null : Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
  };
}

/**
 * Checks a record the way the broker would, before anything is sent. `topicChecked` says the
 * topic name was checked before (the producer knows the topic), so it is not matched again.
 * With `into`, the result is written there instead of into a new object: the producer reuses one
 * for every send, as a million sends a second would otherwise make a million of them to collect.
 */
export function checkRecord(
  record: ProducerRecord,
  topicChecked = false,
  into?: CheckedRecord,
): CheckedRecord {
  if (record === null || typeof record !== 'object') {
    throw new InvalidRecordError('record', `must be an object, got ${describe(record)}`, {});
  }
  const { topic, partition } = record;
  const topicProblem = topicChecked ? undefined : topicNameProblem(topic);
  if (topicProblem !== undefined) throw new InvalidRecordError('topic', topicProblem, {});
  if (partition !== undefined && (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff)) {
    throw new InvalidRecordError('partition', `must be an integer >= 0, got ${String(partition)}`, { topic });
  }
  if (record.value === undefined) {
    throw new InvalidRecordError(
      'value',
      'is missing (use null for a tombstone)',
      recordWhere(topic, partition),
    );
  }
  const key = record.key === undefined ? null : toBytes(record.key, 'key', topic, partition);
  const value = toBytes(record.value, 'value', topic, partition);
  const bytes = messageEntrySize(key, value);
  const held = bytes + PENDING_SEND_OVERHEAD;
  if (into === undefined) return { topic, partition, key, value, bytes, held };
  into.topic = topic;
  into.partition = partition;
  into.key = key;
  into.value = value;
  into.bytes = bytes;
  into.held = held;
  return into;
}
