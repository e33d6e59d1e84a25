import type { TopicPartition } from '../../simple-consumer/fetch-engine/index.js';
import { OffsetStoreError } from '../errors.js';
import type { CommittedPosition, OffsetStore } from '../offset-store.js';
import { groupPaths } from './registration.js';
import { type GroupZooKeeper, readOffsets } from './zk-state.js';

/**
 * A group's offsets in `/consumers/<g>/offsets/<t>/<p>`, read and written directly, as the 0.8.2
 * high-level consumer does in ZooKeeper mode. The serializing and skipping of unchanged offsets
 * is the OffsetCommitter's, shared with every other store.
 */
export class ZkGroupOffsetStore implements OffsetStore {
  readonly kind = 'zookeeper';

  constructor(
    private readonly zk: () => GroupZooKeeper | undefined,
    private readonly group: string,
  ) {}

  fetch(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return readOffsets(this.connected(), this.group, partitions);
  }

  async commit(offsets: readonly CommittedPosition[]): Promise<void> {
    const zk = this.connected();
    await Promise.all(
      offsets.map(async (o) => {
        try {
          await zk.updatePersistentPath(
            groupPaths.offset(this.group, o.topic, o.partition),
            o.offset.toString(),
          );
        } catch (err) {
          throw new OffsetStoreError(
            'zookeeper',
            `writing ${o.topic}/${o.partition}: ${(err as Error).message}`,
            o,
            err,
          );
        }
      }),
    );
  }

  private connected(): GroupZooKeeper {
    const zk = this.zk();
    if (zk === undefined) throw new OffsetStoreError('zookeeper', 'not connected');
    return zk;
  }
}
