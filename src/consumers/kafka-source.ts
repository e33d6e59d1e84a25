import { Kafka08Error } from '../protocol/errors.js';
import { BrokerPool } from '../simple-consumer/broker-pool.js';
import type { BrokerAddress } from '../simple-consumer/errors.js';
import {
  type FetchEngine,
  FetchEngineClosedError,
  type MessageBatch,
  type TopicPartition,
} from '../simple-consumer/fetch-engine/index.js';
import { ZooKeeperClient } from '../zookeeper/client.js';
import { partitionKey } from './checkpoint-state.js';
import type { ConsumerConfig } from './config.js';
import type { ConsumerEvents } from './consumer-base.js';
import { ConsumerClosedError, ConsumerConfigError, type ConsumerRebalanceFailedError } from './errors.js';
import { createGroupEngine } from './group/engine-factory.js';
import { type RebalanceEvent, Rebalancer } from './group/rebalancer.js';
import { consumerIdString, registrationJson } from './group/registration.js';
import { groupStartPositions } from './group/start-positions.js';
import { Wakeup } from './group/wakeup.js';
import { ZkOffsetCommitter } from './group/zk-offset-committer.js';
import {
  type GroupOptions,
  type KafkaSourceProperties,
  resolveKafkaSourceConfig,
} from './kafka-source-config.js';
import type { CommittedPosition } from './offset-store.js';
import { type PartitionPosition, RecordReader } from './record-reader.js';
import { RecordSource } from './record-source.js';
import type { AnySchema } from './schemas.js';

export type { RebalanceEvent };

export interface KafkaSourceEvents extends ConsumerEvents {
  /** A rebalance succeeded: the whole new assignment and what was taken away. */
  rebalance: [RebalanceEvent];
  /** Every attempt of a rebalance failed; the next read rejects with the same error. */
  'rebalance-failed': [ConsumerRebalanceFailedError];
}

type Phase = 'created' | 'starting' | 'running' | 'finished' | 'closed';
/** `gen`: the release generation when the engine handed the batch out. */
type Pulled = { batch: MessageBatch; gen: number } | { error: unknown };

/**
 * Flink 0.9's KafkaSource: a member of a consumer group coordinated through ZooKeeper exactly as
 * Kafka 0.8.2's high-level consumer (ZookeeperConsumerConnector) does it, so it can share a group
 * with Kafka's own Java consumers. Offsets are auto-committed to ZooKeeper in Kafka's "next
 * offset" convention; there are no checkpoints.
 *
 * At-least-once across rebalances: positions move record by record as they are handed out; a
 * rebalance stops fetching, drops records not handed out, commits, and only then releases the
 * owner znodes, so the next owner starts exactly where this one stopped (with auto commit on).
 */
export class KafkaSource<T> extends RecordSource<T, KafkaSourceEvents> {
  readonly config: ConsumerConfig;
  readonly groupConfig: Readonly<GroupOptions>;
  readonly topics: readonly string[];
  /** This member's consumerIdString (`<group>_<host>-<ms>-<hex>` or `<group>_<consumer.id>`). */
  readonly consumerId: string;
  private readonly pool: BrokerPool;
  private readonly lifecycle = new AbortController();
  private readonly positions = new Map<string, PartitionPosition>();
  /** Positions of partitions released by the rebalance under way: kept ones continue from there. */
  private readonly released = new Map<string, bigint>();
  protected readonly reader: RecordReader<T>;
  private readonly committer: ZkOffsetCommitter;
  private readonly wake = new Wakeup();
  private engine: FetchEngine | undefined;
  private zk: ZooKeeperClient | undefined;
  private rebalancer: Rebalancer | undefined;
  private pendingNext: Promise<Pulled> | undefined;
  /** Counts releases; a batch handed out before its partition's last release is stale. */
  private releaseGen = 0;
  private readonly releasedAt = new Map<string, number>();
  private failure: Error | undefined;
  private phase: Phase = 'created';
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly detachSignal: () => void;

  constructor(topics: string | readonly string[], schema: AnySchema<T>, properties: KafkaSourceProperties) {
    super();
    const list = typeof topics === 'string' ? [topics] : [...topics];
    if (list.length === 0) throw new ConsumerConfigError('topics', 'must name at least one topic');
    for (const t of list) {
      if (typeof t !== 'string' || !/^[A-Za-z0-9._-]{1,249}$/.test(t)) {
        throw new ConsumerConfigError('topics', `has an invalid topic name ${JSON.stringify(t)}`);
      }
    }
    this.topics = Object.freeze([...new Set(list)].sort());
    // First, as before: a bad schema throws before anything is set up.
    this.reader = new RecordReader(schema, this.positions, (tp, offset) => this.endOfStream(tp, offset));
    const { consumer, group } = resolveKafkaSourceConfig(properties);
    this.config = consumer;
    this.groupConfig = group;
    this.consumerId = consumerIdString(consumer.groupId, group.consumerId);
    this.pool = new BrokerPool({ clientId: consumer.clientId, requestTimeoutMs: consumer.socketTimeoutMs });
    this.committer = new ZkOffsetCommitter(() => this.zk, consumer.groupId);
    const external = consumer.signal;
    const onAbort = (): void => void this.close();
    external?.addEventListener('abort', onAbort, { once: true });
    this.detachSignal = () => external?.removeEventListener('abort', onAbort);
    if (external?.aborted) void this.close();
  }

  /**
   * Connects to ZooKeeper, registers in the group and runs the first rebalance. Called by the
   * first read; call it yourself to fail early. Rejects with ConsumerRebalanceFailedError (after
   * leaving the group again) when the first rebalance fails.
   */
  start(): Promise<void> {
    if (this.phase === 'closed') return Promise.reject(new ConsumerClosedError());
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.phase = 'starting';
    const c = this.config;
    const zk = await ZooKeeperClient.connect(c.zookeeperConnect, {
      sessionTimeoutMs: c.zookeeperSessionTimeoutMs,
      connectTimeoutMs: c.zookeeperConnectionTimeoutMs,
    });
    if (this.isClosed()) {
      await zk.close();
      throw new ConsumerClosedError();
    }
    this.zk = zk;
    const subscription = new Map(this.topics.map((t) => [t, 1]));
    const rebalancer = new Rebalancer(
      zk,
      {
        group: c.groupId,
        consumerId: this.consumerId,
        subscription,
        registration: registrationJson(subscription),
        strategy: this.groupConfig.partitionAssignmentStrategy,
        maxRetries: this.groupConfig.rebalanceMaxRetries,
        backoffMs: this.groupConfig.rebalanceBackoffMs,
        sessionTimeoutMs: c.zookeeperSessionTimeoutMs,
      },
      {
        release: (tps, commit) => this.release(tps, commit),
        brokers: (list) => this.ensureEngine(list),
        acquire: (list) => this.acquire(list),
        rebalanced: (e) => this.emit('rebalance', e),
        attemptFailed: (error, where) =>
          this.emit('retriable-error', {
            error:
              error instanceof Kafka08Error ? error : new Kafka08Error(error.message, {}, { cause: error }),
            ...where,
          }),
        failed: (err) => this.rebalanceFailed(err),
      },
    );
    this.rebalancer = rebalancer;
    zk.on('newSession', () => rebalancer.onNewSession());
    try {
      await rebalancer.start();
    } catch (err) {
      // Closed meanwhile (the registration wait was cut short): that is the reason, not `err`.
      const closedFirst = this.isClosed();
      await this.close();
      throw closedFirst ? new ConsumerClosedError() : err;
    }
    if (this.isClosed()) throw new ConsumerClosedError();
    this.phase = 'running';
    if (c.autoCommitEnable && c.commitOffsets) {
      this.timer = setInterval(() => {
        this.commitOffsets().catch((err: unknown) => this.emit('commit-failed', err as Error));
      }, c.autoCommitIntervalMs);
      this.timer.unref();
    }
  }

  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  private ensureEngine(brokers: BrokerAddress[]): void {
    if (this.engine !== undefined || this.isClosed()) return;
    const { engine } = createGroupEngine(this.config, this.pool, brokers);
    engine.on('leader-change', (e) => this.emit('leader-change', e));
    engine.on('fetch-size-grown', (e) => this.emit('fetch-size-grown', e));
    engine.on('error', (e) => this.emit('retriable-error', e));
    engine.on('offset-reset', (e) => {
      const pos = this.positions.get(partitionKey(e.topic, e.partition));
      // Nothing of the partition was handed out since the position the engine moved away from.
      if (pos !== undefined && (typeof pos.offset !== 'bigint' || pos.offset === e.from)) pos.offset = e.to;
      this.emit('offset-reset', e);
    });
    this.engine = engine;
    this.wake.notify();
  }

  /** Rebalance step 2: stop handing out, drop what was fetched, commit while still the owner. */
  private async release(partitions: TopicPartition[], commit: boolean): Promise<void> {
    if (partitions.length === 0) return;
    // Lets a batch the engine already handed out record its generation first, so fill() can
    // tell it from one fetched after a partition we keep is assigned again (no duplicates).
    await new Promise<void>((r) => setImmediate(r));
    this.releaseGen++;
    this.engine?.unassign(partitions);
    const offsets: CommittedPosition[] = [];
    for (const tp of partitions) {
      this.reader.dropPartition(tp.topic, tp.partition);
      const key = partitionKey(tp.topic, tp.partition);
      this.releasedAt.set(key, this.releaseGen);
      const pos = this.positions.get(key);
      this.positions.delete(key);
      if (pos !== undefined && typeof pos.offset === 'bigint') {
        offsets.push({ topic: tp.topic, partition: tp.partition, offset: pos.offset });
        this.released.set(key, pos.offset);
      }
    }
    if (commit && this.config.autoCommitEnable && this.config.commitOffsets && offsets.length > 0) {
      await this.committer.commit(offsets).catch((err: unknown) => this.emit('commit-failed', err as Error));
    }
  }

  /** Rebalance step 7: start at the committed offsets (a partition kept continues where it was). */
  private acquire(list: (TopicPartition & { committed: bigint | undefined })[]): void {
    // Every start first: `auto.offset.reset=none` throws before anything changed.
    const starts = groupStartPositions(list, this.released, this.config.autoOffsetReset);
    this.released.clear();
    if (this.isClosed()) return;
    for (const s of starts) {
      this.positions.set(partitionKey(s.topic, s.partition), { ...s });
      this.committer.known(
        s,
        list.find((p) => p.topic === s.topic && p.partition === s.partition)?.committed,
      );
    }
    if (starts.length > 0) this.engine?.assign(starts);
    this.wake.notify();
  }

  private rebalanceFailed(err: ConsumerRebalanceFailedError): void {
    if (this.phase !== 'running') return;
    this.failure = err;
    this.emit('rebalance-failed', err);
    this.wake.notify();
  }

  /** The partitions this member owns now (sorted); empty before `start()`. */
  assignment(): TopicPartition[] {
    return (this.rebalancer?.ownedPartitions() ?? []).map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Next offset to read of an owned partition. */
  position(topic: string, partition: number): bigint | 'earliest' | 'latest' | undefined {
    return this.positions.get(partitionKey(topic, partition))?.offset;
  }

  /**
   * Writes the positions of the owned partitions to ZooKeeper now (only those that changed).
   * Resolves true when something was written. Works with `auto.commit.enable=false` too.
   */
  async commitOffsets(): Promise<boolean> {
    if (this.phase !== 'running' && this.phase !== 'finished') return false;
    return this.committer.commit(this.currentPositions());
  }

  private currentPositions(): CommittedPosition[] {
    const out: CommittedPosition[] = [];
    for (const p of this.positions.values())
      if (typeof p.offset === 'bigint')
        out.push({ topic: p.topic, partition: p.partition, offset: p.offset });
    return out;
  }

  /**
   * Puts the next batch in the reader's hands; false when there will be none. Waits for the
   * engine (created at the first rebalance that sees a broker) and wakes for a failed rebalance,
   * which it throws, without losing a batch the engine is about to hand out.
   */
  protected async fill(): Promise<boolean> {
    try {
      await this.start();
    } catch (err) {
      // A read waiting for the start of a source closed meanwhile just ends, as after start.
      if (err instanceof ConsumerClosedError && this.isClosed()) return false;
      throw err;
    }
    for (;;) {
      const failure = this.failure;
      if (failure !== undefined) {
        this.failure = undefined;
        throw failure;
      }
      if (this.phase !== 'running') return false;
      const engine = this.engine;
      const w = this.wake.wait();
      if (engine === undefined) {
        await w.promise;
        continue;
      }
      this.pendingNext ??= engine.next().then(
        (batch) => ({ batch, gen: this.releaseGen }),
        (error: unknown) => ({ error }),
      );
      const pending = this.pendingNext;
      const r = await Promise.race([pending, w.promise.then(() => undefined)]);
      w.cancel();
      if (r === undefined || this.pendingNext !== pending) continue;
      this.pendingNext = undefined;
      if ('error' in r) {
        if (r.error instanceof FetchEngineClosedError) return false;
        throw r.error;
      }
      if (this.phase !== 'running') return false;
      // Released while the batch was on its way: its records belong to the next owner now (or,
      // for a partition kept, come again from the position it was re-assigned at).
      const key = partitionKey(r.batch.topic, r.batch.partition);
      if (!this.positions.has(key) || (this.releasedAt.get(key) ?? 0) > r.gen) continue;
      this.reader.take(r.batch);
      return true;
    }
  }

  /** Like Flink's KafkaSource, an end-of-stream element ends the source: it leaves the group. */
  private endOfStream(tp: TopicPartition, offset: bigint): void {
    this.emit('partition-end', { topic: tp.topic, partition: tp.partition, offset });
    this.phase = 'finished';
    this.engine?.unassign([...this.positions.values()]);
    void this.close();
  }

  /**
   * Leaves the group: stops rebalancing and fetching, commits the positions (with auto commit,
   * as Kafka's shutdown does), deletes our owner znodes and registration, closes ZooKeeper and
   * every socket. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const wasRunning = this.phase === 'running' || this.phase === 'finished';
      this.phase = 'closed';
      this.detachSignal();
      this.lifecycle.abort(new ConsumerClosedError());
      if (this.timer !== undefined) clearInterval(this.timer);
      this.timer = undefined;
      this.reader.drop();
      this.wake.notify();
      await this.rebalancer?.stop();
      await this.engine?.close();
      const c = this.config;
      if (wasRunning && c.autoCommitEnable && c.commitOffsets) {
        await this.committer
          .commit(this.currentPositions())
          .catch((err: unknown) => this.emit('commit-failed', err as Error));
      }
      await this.committer.drain();
      await this.rebalancer?.leave().catch(() => undefined);
      await this.zk?.close();
      await this.pool.close();
    })();
    return this.closing;
  }
}
