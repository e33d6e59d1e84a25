import type { TopicPartition } from '../../simple-consumer/fetch-engine/index.js';
import { javaStringHash } from '../assignment.js';

/** What every member of the group subscribed to: consumerIdString → topic → stream count. */
export type GroupSubscriptions = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface AssignmentInput {
  /** This consumer's consumerIdString. */
  consumerId: string;
  /** Topics this consumer subscribes to, with its stream count per topic. */
  mine: ReadonlyMap<string, number>;
  /** Every member, this one included. */
  members: GroupSubscriptions;
  /** Partition ids per topic (any order; sorted numerically here). */
  partitions: ReadonlyMap<string, readonly number[]>;
}

/** One ownership decision: the partition and the thread id written to its owner znode. */
export interface OwnedPartition extends TopicPartition {
  threadId: string;
}

export type AssignmentStrategy = 'range' | 'roundrobin';

/** Kafka's ConsumerThreadId.toString. */
export function threadIds(consumerId: string, streams: number): string[] {
  return Array.from({ length: streams }, (_, i) => `${consumerId}-${i}`);
}

/**
 * Thread ids subscribed to `topic`, sorted as Java sorts strings (UTF-16 code units, the JS
 * default sort too, never localeCompare), so `x-10` sorts before `x-2` exactly as in Kafka.
 */
export function threadsForTopic(members: GroupSubscriptions, topic: string): string[] {
  const out: string[] = [];
  for (const [id, sub] of members) {
    const n = sub.get(topic);
    if (n !== undefined && n > 0) out.push(...threadIds(id, n));
  }
  return out.sort();
}

function sortedPartitions(input: AssignmentInput, topic: string): number[] {
  return [...new Set(input.partitions.get(topic) ?? [])].sort((a, b) => a - b);
}

/** Kafka 0.8.2 RangeAssignor, for this consumer's threads only; the result is sorted. */
export function rangeAssign(input: AssignmentInput): OwnedPartition[] {
  const out: OwnedPartition[] = [];
  for (const topic of [...input.mine.keys()].sort()) {
    const threads = threadsForTopic(input.members, topic);
    const parts = sortedPartitions(input, topic);
    if (threads.length === 0) continue;
    const per = Math.floor(parts.length / threads.length);
    const extra = parts.length % threads.length;
    for (const threadId of threadIds(input.consumerId, input.mine.get(topic) ?? 0)) {
      const i = threads.indexOf(threadId);
      if (i < 0) continue;
      const start = per * i + Math.min(i, extra);
      const n = per + (i < extra ? 1 : 0);
      for (const partition of parts.slice(start, start + n)) out.push({ topic, partition, threadId });
    }
  }
  return sortOwned(out);
}

/** Every member must subscribe the same topics with the same stream counts (Kafka `require`s it). */
export class RoundRobinMismatchError extends Error {}

/**
 * Kafka 0.8.2 RoundRobinAssignor: all (topic, partition) pairs of this consumer's topics, sorted
 * by Java `String.hashCode` of `[topic,partition]` as a signed int (stable), dealt cyclically over
 * the sorted thread ids. Hash ties (rare) keep topic-then-partition order; Kafka's order for them
 * comes from a hash map's iteration and is not specified.
 */
export function roundRobinAssign(input: AssignmentInput): OwnedPartition[] {
  const topics = [...input.mine.keys()].sort();
  if (topics.length === 0) return [];
  const head = threadsForTopic(input.members, topics[0]!);
  for (const t of topics) {
    const ts = threadsForTopic(input.members, t);
    if (ts.length !== head.length || ts.some((x, i) => x !== head[i])) {
      throw new RoundRobinMismatchError(
        'roundrobin needs every group member to subscribe the same topics with the same stream counts',
      );
    }
  }
  if (head.length === 0) return [];
  const all: { topic: string; partition: number; hash: number }[] = [];
  for (const topic of topics) {
    for (const partition of sortedPartitions(input, topic))
      all.push({ topic, partition, hash: javaStringHash(`[${topic},${partition}]`) });
  }
  // Array.prototype.sort is stable (ES2019), as is Scala's sortWith.
  all.sort((a, b) => a.hash - b.hash);
  const mine = new Set(threadIds(input.consumerId, input.mine.get(topics[0]!) ?? 0));
  const out: OwnedPartition[] = [];
  all.forEach((tp, i) => {
    const threadId = head[i % head.length]!;
    if (mine.has(threadId)) out.push({ topic: tp.topic, partition: tp.partition, threadId });
  });
  return sortOwned(out);
}

export function assign(strategy: AssignmentStrategy, input: AssignmentInput): OwnedPartition[] {
  return strategy === 'range' ? rangeAssign(input) : roundRobinAssign(input);
}

function sortOwned(list: OwnedPartition[]): OwnedPartition[] {
  return list.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}
