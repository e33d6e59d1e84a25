import type { ClusterMetadata } from '../simple-consumer/cluster-metadata.js';
import { UnknownPartitionError } from '../simple-consumer/errors.js';
import { PartitionerError } from './errors.js';
import { defaultChooser, type Partitioner } from './partitioner.js';

/** What the producer knows of a topic's partitions. */
export interface TopicPartitions {
  count: number;
  /** Partitions with a leader, ascending, as of metadata change number `availableAs`. */
  available: number[];
  availableAs: number;
}

/**
 * Which partition a record goes to: the one it names (checked against the topic), else the
 * configured partitioner's choice (checked), else Kafka's default choice, which is the same as
 * the default partitioner's without making its input object per record.
 */
export class PartitionChoice {
  private readonly partitioner: Partitioner | undefined;
  private readonly defaultChoice = defaultChooser();
  private readonly metadata: ClusterMetadata;

  constructor(partitioner: Partitioner | undefined, metadata: ClusterMetadata) {
    this.partitioner = partitioner;
    this.metadata = metadata;
  }

  choose(
    name: string,
    partition: number | undefined,
    key: Buffer | null,
    value: Buffer | null,
    topic: TopicPartitions,
  ): number {
    if (partition !== undefined) {
      if (partition >= topic.count) {
        throw new UnknownPartitionError(
          name,
          partition,
          Array.from({ length: topic.count }, (_, i) => i),
        );
      }
      return partition;
    }
    const available = this.available(name, topic);
    if (this.partitioner === undefined) return this.defaultChoice(key, topic.count, available);
    let chosen: unknown;
    try {
      chosen = this.partitioner({
        topic: name,
        key,
        value,
        partitionCount: topic.count,
        availablePartitions: available,
      });
    } catch (err) {
      throw new PartitionerError(name, 'the partitioner threw', err);
    }
    if (typeof chosen !== 'number' || !Number.isInteger(chosen) || chosen < 0 || chosen >= topic.count) {
      throw new PartitionerError(name, `returned ${String(chosen)}, not a partition in [0, ${topic.count})`);
    }
    return chosen;
  }

  /** Worked out again only when the metadata changed: a clock read per keyless record cost ~60 ns. */
  private available(name: string, topic: TopicPartitions): number[] {
    const changes = this.metadata.changes;
    if (topic.availableAs !== changes) {
      topic.available = [];
      for (let p = 0; p < topic.count; p++) {
        if (this.metadata.leaderId(name, p) !== undefined) topic.available.push(p);
      }
      topic.availableAs = changes;
    }
    return topic.available;
  }
}
