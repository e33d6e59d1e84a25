import { setTimeout as sleep } from 'node:timers/promises';
import type { BrokerAddress } from '../../simple-consumer/errors.js';
import type { TopicPartition } from '../../simple-consumer/fetch-engine/index.js';
import { NodeConflictError, NodeExistsError } from '../../zookeeper/errors.js';
import type { WatchCallback } from '../../zookeeper/watches.js';
import { partitionKey } from '../checkpoint-state.js';
import { ConsumerRebalanceFailedError } from '../errors.js';
import { type AssignmentStrategy, assign, type OwnedPartition } from './assignors.js';
import { groupPaths } from './registration.js';
import {
  type GroupZooKeeper,
  readBrokers,
  readMembers,
  readOffsets,
  readTopicPartitions,
} from './zk-state.js';

export interface RebalancerOptions {
  group: string;
  consumerId: string;
  /** Topic → stream count of this member. */
  subscription: ReadonlyMap<string, number>;
  /** The ids znode value (kept identical across re-registrations). */
  registration: string;
  strategy: AssignmentStrategy;
  /** `rebalance.max.retries`: attempts per rebalance. */
  maxRetries: number;
  /** `rebalance.backoff.ms`: wait after a failed attempt. */
  backoffMs: number;
  /** `zookeeper.session.timeout.ms`: the wait for a stale registration of ours to expire. */
  sessionTimeoutMs: number;
}

export interface RebalanceEvent {
  /** The whole new assignment. */
  assigned: TopicPartition[];
  /** Partitions owned before and not any more. */
  revoked: TopicPartition[];
}

/** What the consumer does at the steps of a rebalance. */
export interface RebalanceHooks {
  /**
   * Stops fetching and handing out `partitions` (records of theirs not handed out are dropped)
   * and, when `commit`, commits their positions; resolves before ownership is released.
   */
  release(partitions: TopicPartition[], commit: boolean): Promise<void>;
  /** Live broker addresses (non-empty), before any partition is acquired. */
  brokers(list: BrokerAddress[]): void;
  /**
   * Starts on newly owned partitions at their committed next offsets (undefined: none). Runs
   * after every claim succeeded; throwing fails the attempt and undoes the claims.
   */
  acquire(partitions: (TopicPartition & { committed: bigint | undefined })[]): void;
  rebalanced(event: RebalanceEvent): void;
  /** One attempt failed (an owner znode still taken, a ZooKeeper error); another follows. */
  attemptFailed(error: Error, where: TopicPartition | undefined): void;
  failed(error: ConsumerRebalanceFailedError): void;
}

const tp = (o: TopicPartition): TopicPartition => ({ topic: o.topic, partition: o.partition });

/**
 * ZookeeperConsumerConnector's registration and rebalance (0.8.2 `syncedRebalance`): one
 * rebalance at a time; triggers arriving meanwhile (ids children, topic data, a new session)
 * merge into one more. An attempt releases everything (after the consumer committed), computes
 * this member's share, claims owner znodes, and only then reads the committed offsets: the
 * previous owner committed before it released, so what we read is where it stopped. A claim that
 * meets an existing owner undoes every claim of the attempt, so a failed attempt leaves nothing
 * owned-but-unread behind.
 */
export class Rebalancer {
  private owned: OwnedPartition[] = [];
  private dirty = false;
  private running: Promise<void> | undefined;
  private lastFailure: ConsumerRebalanceFailedError | undefined;
  private stopped = false;
  private sessionLost = false;
  private readonly abort = new AbortController();
  private readonly watcher: WatchCallback = () => this.trigger();

  constructor(
    private readonly zk: GroupZooKeeper,
    private readonly opts: RebalancerOptions,
    private readonly hooks: RebalanceHooks,
  ) {}

  /** The partitions owned now, sorted. */
  ownedPartitions(): OwnedPartition[] {
    return this.owned.map((o) => ({ ...o }));
  }

  /**
   * Registers (waiting out a stale registration of the same id, Kafka's "ZK bug" loop, bounded)
   * and runs the first rebalance. Rejects with ConsumerRebalanceFailedError when it fails.
   */
  async start(): Promise<void> {
    const path = groupPaths.id(this.opts.group, this.opts.consumerId);
    const tries = Math.max(3, this.opts.maxRetries);
    for (let i = 0; ; i++) {
      try {
        await this.zk.createEphemeralExpectConflict(path, this.opts.registration);
        break;
      } catch (err) {
        if (!(err instanceof NodeConflictError) || i + 1 >= tries) {
          throw new ConsumerRebalanceFailedError(this.opts.group, this.opts.consumerId, i + 1, err);
        }
      }
      await sleep(this.opts.sessionTimeoutMs, undefined, { signal: this.abort.signal });
    }
    this.trigger();
    await this.idle();
    if (this.lastFailure !== undefined) throw this.lastFailure;
  }

  /** Asks for a rebalance; merged with one pending. */
  trigger(): void {
    if (this.stopped) return;
    this.dirty = true;
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** The session expired and a new one replaced it: our ephemeral nodes are gone. */
  onNewSession(): void {
    this.sessionLost = true;
    this.trigger();
  }

  /** Resolves once no rebalance runs. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** No rebalance starts any more; waits for the one running (its backoff is cut short). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.idle();
  }

  /** Deletes our owner znodes and registration (call after stop() and the final commit). */
  async leave(): Promise<void> {
    const owned = this.owned;
    this.owned = [];
    if (!this.sessionLost) await this.deleteOwners(owned);
    await this.zk.delete(groupPaths.id(this.opts.group, this.opts.consumerId)).catch(() => undefined);
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      this.lastFailure = await this.syncedRebalance();
      if (this.lastFailure !== undefined && !this.stopped) this.hooks.failed(this.lastFailure);
    }
  }

  private async syncedRebalance(): Promise<ConsumerRebalanceFailedError | undefined> {
    let cause: unknown;
    for (let attempt = 1; attempt <= this.opts.maxRetries; attempt++) {
      if (this.stopped) return undefined;
      try {
        const r = await this.attempt();
        if (r === true) return undefined;
        cause = r;
      } catch (err) {
        cause = err;
        if (!this.stopped) this.hooks.attemptFailed(err as Error, undefined);
      }
      if (this.stopped) return undefined;
      await this.backOff(cause instanceof NodeExistsError ? cause.path : undefined);
      if (this.abort.signal.aborted) return undefined;
    }
    return new ConsumerRebalanceFailedError(
      this.opts.group,
      this.opts.consumerId,
      this.opts.maxRetries,
      cause,
    );
  }

  /**
   * `rebalance.backoff.ms`, cut short when the owner node that made the attempt fail goes away:
   * the member that owned it has released it, so the next attempt can claim it now (Kafka's
   * consumer sleeps the whole backoff, which made most joins of a live group take 2 s).
   */
  private async backOff(conflictPath: string | undefined): Promise<void> {
    const done = new AbortController();
    const stop = (): void => done.abort();
    this.abort.signal.addEventListener('abort', stop, { once: true });
    try {
      const released =
        conflictPath === undefined
          ? undefined
          : new Promise<void>((resolve) => {
              this.zk
                .exists(conflictPath, () => resolve())
                .then(
                  (stat) => {
                    if (stat === null) resolve();
                  },
                  () => undefined,
                );
            });
      await Promise.race([
        sleep(this.opts.backoffMs, undefined, { signal: done.signal }).catch(() => undefined),
        ...(released === undefined ? [] : [released]),
      ]);
    } finally {
      done.abort();
      this.abort.signal.removeEventListener('abort', stop);
    }
  }

  /** One attempt; the conflict when another member still owns a partition we were assigned. */
  private async attempt(): Promise<true | NodeExistsError> {
    const { zk, opts } = this;
    const topics = [...opts.subscription.keys()];
    const members = await readMembers(zk, opts.group, topics, this.watcher);
    if (!members.has(opts.consumerId)) {
      // Our registration died with an expired session: register again.
      await zk.createEphemeralExpectConflict(groupPaths.id(opts.group, opts.consumerId), opts.registration);
      members.set(opts.consumerId, new Map(opts.subscription));
    }
    const partitions = new Map<string, number[]>();
    for (const t of topics) partitions.set(t, await readTopicPartitions(zk, t, this.watcher));
    const brokers = await readBrokers(zk);

    const before = this.owned;
    const lost = this.sessionLost;
    await this.hooks.release(before.map(tp), !lost);
    if (!lost) await this.deleteOwners(before);
    this.owned = [];
    this.sessionLost = false;
    if (this.stopped) return true;
    if (brokers.length === 0) {
      // Kafka watches /brokers/ids only in this case: a broker appearing rebalances again.
      await readBrokers(zk, this.watcher);
      this.hooks.rebalanced({ assigned: [], revoked: before.map(tp) });
      return true;
    }
    this.hooks.brokers(brokers);

    const decision = assign(opts.strategy, {
      consumerId: opts.consumerId,
      mine: opts.subscription,
      members,
      partitions,
    });
    const claimed: OwnedPartition[] = [];
    try {
      for (const d of decision) {
        try {
          await zk.createEphemeralExpectConflict(
            groupPaths.owner(opts.group, d.topic, d.partition),
            d.threadId,
          );
        } catch (err) {
          if (err instanceof NodeExistsError) {
            await this.deleteOwners(claimed);
            this.hooks.attemptFailed(err, tp(d));
            return err;
          }
          throw err;
        }
        claimed.push(d);
        if (this.stopped) throw new Error('stopped');
      }
      const committed = await readOffsets(zk, opts.group, decision);
      this.hooks.acquire(
        decision.map((d) => ({ ...tp(d), committed: committed.get(partitionKey(d.topic, d.partition)) })),
      );
    } catch (err) {
      await this.deleteOwners(claimed);
      if (this.stopped) return true;
      throw err;
    }
    this.owned = decision;
    const now = new Set(decision.map((d) => partitionKey(d.topic, d.partition)));
    this.hooks.rebalanced({
      assigned: decision.map(tp),
      revoked: before.filter((b) => !now.has(partitionKey(b.topic, b.partition))).map(tp),
    });
    return true;
  }

  private async deleteOwners(list: readonly OwnedPartition[]): Promise<void> {
    await Promise.all(
      list.map((o) =>
        this.zk.delete(groupPaths.owner(this.opts.group, o.topic, o.partition)).catch(() => undefined),
      ),
    );
  }
}
