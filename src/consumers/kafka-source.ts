import { Kafka08Error } from '../protocol/errors.js';
import { closeOnAbort } from '../simple-consumer/abort.js';
import { BrokerPool } from '../simple-consumer/broker-pool.js';
import type { BrokerAddress } from '../simple-consumer/errors.js';
import {
  type FetchEngine,
  FetchEngineClosedError,
  type MessageBatch,
  type TopicPartition,
} from '../simple-consumer/fetch-engine/index.js';
import { Notifier } from '../simple-consumer/fetch-engine/notifier.js';
import { ZooKeeperClient } from '../zookeeper/client.js';
import { partitionKey } from './checkpoint-state.js';
import { type ConsumerConfig, subscribedTopics } from './config.js';
import type { ConsumerEvents } from './consumer-base.js';
import { relayEngineEvents } from './engine-events.js';
import { ConsumerClosedError, type ConsumerRebalanceFailedError } from './errors.js';
import { createGroupEngine } from './group/engine-factory.js';
import { type RebalanceEvent, Rebalancer } from './group/rebalancer.js';
import { consumerIdString, registrationJson } from './group/registration.js';
import { groupStartPositions } from './group/start-positions.js';
import { ZkGroupOffsetStore } from './group/zk-offset-store.js';
import {
  type GroupOptions,
  type KafkaSourceProperties,
  resolveKafkaSourceConfig,
} from './kafka-source-config.js';
import { observedConnections } from './observability.js';
import { OffsetCommitter } from './offset-committer.js';
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
  private readonly committer: OffsetCommitter;
  /** Wakes a read waiting in fill(): an engine appeared, partitions moved, a rebalance failed. */
  private readonly wake = new Notifier();
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
  private readonly detachSignal: () => void;

  constructor(topics: string | readonly string[], schema: AnySchema<T>, properties: KafkaSourceProperties) {
    super();
    this.topics = Object.freeze(subscribedTopics(topics).sort());
    // First, as before: a bad schema throws before anything is set up.
    this.reader = new RecordReader(
      schema,
      this.positions,
      (tp, offset) => this.endOfStream(tp, offset),
      this.counters,
    );
    const { consumer, group } = resolveKafkaSourceConfig(properties);
    this.config = consumer;
    this.groupConfig = group;
    this.consumerId = consumerIdString(consumer.groupId, group.consumerId);
    this.pool = new BrokerPool({
      clientId: consumer.clientId,
      requestTimeoutMs: consumer.socketTimeoutMs,
      createConnection: observedConnections(this.counters, consumer.logger),
    });
    this.committer = new OffsetCommitter(
      new ZkGroupOffsetStore(() => this.zk, consumer.groupId),
      this.counters,
    );
    this.detachSignal = closeOnAbort(consumer.signal, () => this.close());
    this.observe(consumer);
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
        rebalanced: (e) => {
          this.counters.rebalances++;
          this.emit('rebalance', e);
        },
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
    this.committer.startPeriodic(
      c,
      () => this.currentPositions(),
      (err) => this.emit('commit-failed', err),
    );
  }

  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  private ensureEngine(brokers: BrokerAddress[]): void {
    if (this.engine !== undefined || this.isClosed()) return;
    const { engine } = createGroupEngine(this.config, this.pool, brokers);
    relayEngineEvents(engine, this, this.positions);
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
    const releasing: PartitionPosition[] = [];
    for (const tp of partitions) {
      this.reader.dropPartition(tp.topic, tp.partition);
      const key = partitionKey(tp.topic, tp.partition);
      this.releasedAt.set(key, this.releaseGen);
      const pos = this.positions.get(key);
      this.positions.delete(key);
      if (pos !== undefined && typeof pos.offset === 'bigint') {
        releasing.push(pos);
        // A partition kept goes on after what was handed out; the next owner of one given away
        // starts at the commit, which stops short of records still being processed.
        this.released.set(key, pos.offset);
      }
    }
    const offsets = this.reader.unfinished.committablePositions(releasing);
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
    const committed = new Map(list.map((p) => [partitionKey(p.topic, p.partition), p.committed]));
    for (const s of starts) {
      const key = partitionKey(s.topic, s.partition);
      this.positions.set(key, { ...s });
      this.committer.known(s, committed.get(key));
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

  protected observed(): { positions: Iterable<PartitionPosition>; engine: FetchEngine | undefined } {
    return { positions: this.positions.values(), engine: this.engine };
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

  /** What commits write: processed records only (see UnfinishedRecords). */
  private currentPositions(): CommittedPosition[] {
    return this.reader.unfinished.committablePositions(this.positions.values());
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
      const stopWaiting = new AbortController();
      const woken = this.wake.wait(stopWaiting.signal);
      if (engine === undefined) {
        await woken;
        continue;
      }
      this.pendingNext ??= engine.next().then(
        (batch) => ({ batch, gen: this.releaseGen }),
        (error: unknown) => ({ error }),
      );
      const pending = this.pendingNext;
      const r = await Promise.race([pending, woken.then(() => undefined)]);
      stopWaiting.abort();
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
      this.settleForClose();
      this.stopObserving();
      this.detachSignal();
      this.lifecycle.abort(new ConsumerClosedError());
      this.reader.drop();
      this.wake.notify();
      await this.rebalancer?.stop();
      await this.engine?.close();
      // The final commit, as Kafka's shutdown does, when committing periodically.
      await this.committer.stop(wasRunning ? this.currentPositions() : undefined, (err) =>
        this.emit('commit-failed', err),
      );
      await this.rebalancer?.leave().catch(() => undefined);
      await this.zk?.close();
      await this.pool.close();
    })();
    return this.closing;
  }
}
