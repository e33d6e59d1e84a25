/** What a partitioner is told about one record. */
export interface PartitionerInput {
  topic: string;
  /** The key's bytes; null for a record without a key. */
  key: Buffer | null;
  value: Buffer | null;
  /** The topic's partition count: partitions are 0 .. partitionCount - 1. */
  partitionCount: number;
  /** The partitions that currently have a leader, ascending. */
  availablePartitions: readonly number[];
}

/** Chooses the partition of a record sent without one; must return an integer in [0, partitionCount). */
export type Partitioner = (input: PartitionerInput) => number;

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * MurmurHash2, 32-bit, as Kafka's `Utils.murmur2` computes it (seed 0x9747b28c, little-endian
 * 4-byte blocks), so that a key maps to the partition the Java producer would choose. Returns the
 * signed 32-bit result, as Java's int.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[blocks + 2]! << 16;
  if (tail >= 2) h ^= data[blocks + 1]! << 8;
  if (tail >= 1) h = Math.imul(h ^ data[blocks]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The default partitioner's choice without its input object: murmur2 of the key, else the next
 * available partition in turn. The producer calls this directly when no partitioner is set.
 */
export type DefaultChooser = (
  key: Buffer | null,
  partitionCount: number,
  available: readonly number[],
) => number;

export function defaultChooser(): DefaultChooser {
  let counter = Math.floor(Math.random() * 0x100000000) | 0;
  return (key, partitionCount, available) => {
    if (key !== null) return (murmur2(key) & 0x7fffffff) % partitionCount;
    const next = counter & 0x7fffffff;
    counter = (counter + 1) | 0;
    if (available.length > 0) return available[next % available.length]!;
    return next % partitionCount;
  };
}

/**
 * Kafka 0.8.2's partitioner for the new producer (clients `producer.internals.Partitioner`):
 * a keyed record goes to `(murmur2(key) & 0x7fffffff) % partitionCount`, whatever the leaders;
 * a record without a key goes round-robin over the partitions that have a leader (over all of
 * them when none has), from a counter that starts at a random value per producer.
 */
export function defaultPartitioner(): Partitioner {
  const choose = defaultChooser();
  return ({ key, partitionCount, availablePartitions }) => choose(key, partitionCount, availablePartitions);
}
