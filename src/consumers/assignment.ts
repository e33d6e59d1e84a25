import type { TopicPartition } from '../simple-consumer/fetch-engine/index.js';

/** Java's String.hashCode, so the rotation below is the same in every process and language. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The first subtask of a topic's rotation. */
export function topicStartIndex(topic: string, parallelism: number): number {
  return (javaStringHash(topic) & 0x7fffffff) % parallelism;
}

/**
 * The partitions instance `subtaskIndex` of `parallelism` reads. Within each topic the sorted
 * partitions are dealt round robin (`i % parallelism`), starting at a subtask derived from the
 * topic name. Why not one global list as Flink 0.10 did: there, a partition added to one topic
 * shifts the index of every partition of the topics after it, moving them to other instances
 * whose checkpoints do not hold their offsets. Dealing per topic keeps every existing
 * partition where it was when partitions are added; the per-topic start spreads single-partition
 * topics over the instances instead of piling them on instance 0.
 *
 * Pure and deterministic: every instance computes the same answer from the same metadata,
 * whatever order the broker listed things in. The result is sorted by topic, then partition.
 */
export function assignPartitions(
  partitions: readonly TopicPartition[],
  subtaskIndex: number,
  parallelism: number,
): TopicPartition[] {
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new RangeError('parallelism must be >= 1');
  if (!Number.isInteger(subtaskIndex) || subtaskIndex < 0 || subtaskIndex >= parallelism) {
    throw new RangeError(`subtaskIndex must be in [0, ${parallelism})`);
  }
  const byTopic = new Map<string, Set<number>>();
  for (const { topic, partition } of partitions) {
    let set = byTopic.get(topic);
    if (set === undefined) {
      set = new Set();
      byTopic.set(topic, set);
    }
    set.add(partition);
  }
  const out: TopicPartition[] = [];
  for (const topic of [...byTopic.keys()].sort()) {
    const ids = [...byTopic.get(topic)!].sort((a, b) => a - b);
    const start = topicStartIndex(topic, parallelism);
    ids.forEach((partition, i) => {
      if ((start + i) % parallelism === subtaskIndex) out.push({ topic, partition });
    });
  }
  return out;
}
