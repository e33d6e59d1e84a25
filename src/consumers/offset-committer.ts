import type { TopicPartition } from '../simple-consumer/fetch-engine/index.js';
import { partitionKey } from './checkpoint-state.js';
import type { ConsumerConfig } from './config.js';
import type { ConsumerCounters } from './observability.js';
import {
  type CommittedPosition,
  DualOffsetStore,
  KafkaOffsetStore,
  type OffsetStore,
  type StoreContext,
  ZooKeeperOffsetStore,
} from './offset-store.js';
import type { PartitionPosition } from './record-reader.js';

export type { CommittedPosition };

/** The store `offsets.storage` / `dual.commit.enabled` ask for (Kafka 0.8.2's semantics). */
export function createOffsetStore(config: ConsumerConfig, ctx: StoreContext): OffsetStore {
  const zookeeper = new ZooKeeperOffsetStore(ctx, { readLegacyOffsets: config.readLegacyOffsets });
  if (config.offsetsStorage === 'zookeeper') return zookeeper;
  const kafka = new KafkaOffsetStore(ctx);
  return config.dualCommitEnabled ? new DualOffsetStore(kafka, zookeeper) : kafka;
}

/**
 * Commits positions to the store, one commit at a time (so an older commit can never land
 * after a newer one), skipping partitions whose committed offset would not change. Also runs
 * the periodic committer used when not checkpointing (FLINK-2974), which reads the positions
 * synchronously, i.e. consistently with hand-out (Flink read them without the lock).
 */
export class OffsetCommitter {
  readonly store: OffsetStore;
  private readonly committed = new Map<string, bigint>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private periodic = false;

  constructor(
    store: OffsetStore,
    /** Commits written and failed, for metrics. */
    private readonly counters?: Pick<ConsumerCounters, 'commits' | 'commitFailures'>,
  ) {
    this.store = store;
  }

  /** What the store holds for a partition (read at start or acquisition): not written again. */
  known(tp: TopicPartition, offset: bigint | undefined): void {
    const key = partitionKey(tp.topic, tp.partition);
    if (offset === undefined) this.committed.delete(key);
    else this.committed.set(key, offset);
  }

  /** Positions that can be committed: resolved offsets only. */
  committable(positions: Iterable<PartitionPosition>): CommittedPosition[] {
    const out: CommittedPosition[] = [];
    for (const p of positions) {
      if (typeof p.offset === 'bigint')
        out.push({ topic: p.topic, partition: p.partition, offset: p.offset });
    }
    return out;
  }

  /** Resolves true when something was written. */
  commit(offsets: readonly CommittedPosition[]): Promise<boolean> {
    const run = this.chain.then(async () => {
      const changed = offsets.filter(
        (o) => this.committed.get(partitionKey(o.topic, o.partition)) !== o.offset,
      );
      if (changed.length === 0) return false;
      try {
        await this.store.commit(changed);
      } catch (err) {
        if (this.counters !== undefined) this.counters.commitFailures++;
        throw err;
      }
      if (this.counters !== undefined) this.counters.commits++;
      for (const o of changed) this.committed.set(partitionKey(o.topic, o.partition), o.offset);
      return true;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  startPeriodic(
    config: Pick<
      ConsumerConfig,
      'checkpointing' | 'autoCommitEnable' | 'commitOffsets' | 'autoCommitIntervalMs'
    >,
    positions: () => CommittedPosition[],
    onError: (err: Error) => void,
  ): void {
    if (config.checkpointing || !config.autoCommitEnable || !config.commitOffsets) return;
    this.periodic = true;
    this.timer = setInterval(() => {
      this.commit(positions()).catch((err: unknown) => onError(err as Error));
    }, config.autoCommitIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer; when committing periodically, commits `final` once more. */
  async stop(final: CommittedPosition[] | undefined, onError: (err: Error) => void): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.periodic && final !== undefined) {
      await this.commit(final).catch((err: unknown) => onError(err as Error));
    }
    await this.chain;
  }
}
