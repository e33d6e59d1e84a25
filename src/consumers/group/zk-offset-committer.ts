import type { TopicPartition } from '../../simple-consumer/fetch-engine/index.js';
import { partitionKey } from '../checkpoint-state.js';
import { OffsetStoreError } from '../errors.js';
import type { CommittedPosition } from '../offset-store.js';
import { groupPaths } from './registration.js';
import type { GroupZooKeeper } from './zk-state.js';

/**
 * Writes next offsets to `/consumers/<g>/offsets/<t>/<p>` directly, like the 0.8.2 high-level
 * consumer in ZooKeeper mode: only partitions whose offset changed since our last write
 * (`checkpointedZkOffsets`), one commit at a time so an older commit never lands after a newer.
 */
export class ZkOffsetCommitter {
  private readonly written = new Map<string, bigint>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly zk: () => GroupZooKeeper | undefined,
    private readonly group: string,
  ) {}

  /** What is in ZooKeeper now (read at acquisition), so an unchanged offset is not rewritten. */
  known(tp: TopicPartition, offset: bigint | undefined): void {
    const key = partitionKey(tp.topic, tp.partition);
    if (offset === undefined) this.written.delete(key);
    else this.written.set(key, offset);
  }

  /** Resolves true when something was written; rejects with OffsetStoreError. */
  commit(offsets: readonly CommittedPosition[]): Promise<boolean> {
    const run = this.chain.then(async () => {
      const changed = offsets.filter(
        (o) => this.written.get(partitionKey(o.topic, o.partition)) !== o.offset,
      );
      if (changed.length === 0) return false;
      const zk = this.zk();
      if (zk === undefined) throw new OffsetStoreError('zookeeper', 'not connected');
      await Promise.all(
        changed.map(async (o) => {
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
          this.written.set(partitionKey(o.topic, o.partition), o.offset);
        }),
      );
      return true;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Waits for the commit in flight. */
  async drain(): Promise<void> {
    await this.chain;
  }
}
