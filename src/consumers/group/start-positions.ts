import type {
  AutoOffsetReset,
  PartitionAssignment,
  TopicPartition,
} from '../../simple-consumer/fetch-engine/index.js';
import { partitionKey } from '../checkpoint-state.js';
import { resolveStartPosition } from '../start-position.js';

/**
 * Where each newly owned partition starts: the group's committed next offset, else
 * `auto.offset.reset` (`none` throws NoCommittedOffsetError). A partition this member held
 * right before the rebalance (`kept`, its position then) continues from there, or from the
 * committed offset when that is further on (someone else read and committed it meanwhile):
 * with auto commit off, Kafka would re-read it from the older committed offset.
 */
export function groupStartPositions(
  list: readonly (TopicPartition & { committed: bigint | undefined })[],
  kept: ReadonlyMap<string, bigint>,
  autoOffsetReset: AutoOffsetReset,
): PartitionAssignment[] {
  const committed = new Map<string, bigint>();
  for (const p of list)
    if (p.committed !== undefined) committed.set(partitionKey(p.topic, p.partition), p.committed);
  return list.map((p) => {
    const mine = kept.get(partitionKey(p.topic, p.partition));
    if (mine !== undefined) {
      const zk = p.committed;
      return { topic: p.topic, partition: p.partition, offset: zk !== undefined && zk > mine ? zk : mine };
    }
    const { position } = resolveStartPosition(p, {
      restored: undefined,
      startFrom: 'group',
      committed,
      autoOffsetReset,
    });
    return { topic: p.topic, partition: p.partition, offset: position };
  });
}
