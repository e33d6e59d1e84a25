import { type ErrorContext, Kafka08Error, ProtocolEncodeError } from './errors.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/**
 * Runs `fn` and stamps the topic/partition it concerns onto any of our errors that escape
 * without them, so a decode or encode failure deep in a nested array still says where it was.
 */
export function inContext<T>(context: ErrorContext, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Kafka08Error) {
      e.topic ??= context.topic;
      e.partition ??= context.partition;
      e.offset ??= context.offset;
    }
    throw e;
  }
}

/**
 * Writes a string the protocol never carries as null. The types already say so; this catches
 * untyped callers, since the wire would otherwise silently carry -1 where the broker expects a name.
 */
export function writeRequiredString(w: Writer, v: string, field: string): void {
  if (typeof v !== 'string') throw new ProtocolEncodeError(field, `expected a string, got ${describe(v)}`);
  w.string(v, field);
}

export function writeNullableString(w: Writer, v: string | null, field: string): void {
  if (v !== null && typeof v !== 'string') {
    throw new ProtocolEncodeError(field, `expected a string or null, got ${describe(v)}`);
  }
  w.string(v, field);
}

/** Writes an int32 count then each item; refuses non-arrays with a named field, not a TypeError. */
export function writeArray<T>(
  w: Writer,
  items: readonly T[],
  field: string,
  writeItem: (item: T) => void,
): void {
  if (!Array.isArray(items))
    throw new ProtocolEncodeError(field, `expected an array, got ${describe(items)}`);
  w.int32(items.length, field);
  for (const item of items) writeItem(item);
}

export function writeBytes(w: Writer, v: Uint8Array, field: string): void {
  if (!(v instanceof Uint8Array)) throw new ProtocolEncodeError(field, `expected bytes, got ${describe(v)}`);
  w.bytes(v, field);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

export interface TopicEntries<P> {
  topic: string;
  partitions: P[];
}

/**
 * Nearly every 0.8 API nests its per-partition fields as `[TopicName string, [partition ...]]`;
 * this writes that frame once. `message` names the top-level type (e.g. `FetchRequest`) for
 * error fields, and `writePartition` receives the partition field prefix.
 */
export function writeTopics<P>(
  w: Writer,
  topics: readonly { topic: string; partitions: readonly P[] }[],
  message: string,
  writePartition: (p: P, field: string) => void,
): void {
  const T = `${message}.topics[]`;
  const P = `${T}.partitions[]`;
  writeArray(w, topics, `${message}.topics`, (t) =>
    inContext({ topic: t.topic }, () => {
      writeRequiredString(w, t.topic, `${T}.topic`);
      writeArray(w, t.partitions, `${T}.partitions`, (p) => writePartition(p, P));
    }),
  );
}

/**
 * The decoding side of {@link writeTopics}. `minPartitionBytes` is the smallest encoding of one
 * partition entry, so a hostile count is refused before anything is allocated.
 */
export function readTopics<P>(
  r: Reader,
  message: string,
  minPartitionBytes: number,
  readPartition: (r: Reader, field: string, topic: string) => P,
): TopicEntries<P>[] {
  const T = `${message}.topics[]`;
  const P = `${T}.partitions[]`;
  // A topic entry is at least a string length (2) and a partition count (4).
  return r.array(`${message}.topics`, 6, (r) => {
    const topic = r.string(`${T}.topic`);
    const partitions = inContext({ topic }, () =>
      r.array(`${T}.partitions`, minPartitionBytes, (r) => readPartition(r, P, topic)),
    );
    return { topic, partitions };
  });
}
