import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import { ProtocolDecodeError } from '../protocol/errors.js';
import { type ProduceResponse, produceRequest } from '../protocol/produce.js';
import type { ClusterMetadata } from '../simple-consumer/cluster-metadata.js';
import {
  ConnectionClosedError,
  ConnectionError,
  LeaderNotAvailableError,
  NoBrokerAvailableError,
  UnknownBrokerError,
} from '../simple-consumer/errors.js';
import type { Batch, PartitionQueue, RecordAccumulator } from './accumulator.js';
import { requestShare } from './batch-sizing.js';
import type { ProducerConfig } from './config.js';
import { DrainOrder } from './drain-order.js';
import { ProduceFailedError } from './errors.js';
import type { ProducerStats } from './producer-stats.js';
import { type Carried, type PlannedRequest, RequestBuilder } from './request-builder.js';

/** The client waits this much longer than the broker's own ack timeout before giving up on an answer. */
const ANSWER_MARGIN_MS = 5000;

/** Broker error codes after which the partition's leader is looked up again. */
const STALE_LEADER = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_FOR_PARTITION,
  // Newer brokers: the leader's log directory failed, and leadership moves to another replica.
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

export interface SenderOptions {
  config: ProducerConfig;
  metadata: ClusterMetadata;
  accumulator: RecordAccumulator;
  /** Gives a completed batch's bytes back to buffer.memory. */
  release: (bytes: number) => void;
  /** True while a caller waits for buffer.memory: every batch is then ready. */
  pressed: () => boolean;
  /** Counts what was sent, acknowledged, retried and failed, for metrics. */
  stats: ProducerStats;
  now: () => number;
}

/**
 * Moves ready batches to their leaders, at most `max.in.flight.requests.per.connection` requests
 * per broker. With `retries` > 0 a partition has one request in flight at a time, so a retried
 * batch can never fall behind a later one (per-partition order holds with retries); without
 * retries nothing is sent twice, and a partition may pipeline as many requests as its broker,
 * each holding at most a share of buffer.memory, so that several are in flight and the first
 * answers free room while the broker still works on the others.
 *
 * A partition is ready when its oldest unsent batch is full, has lingered `linger.ms`, or a
 * flush, a close or a caller waiting for buffer.memory is under way; a request then takes its
 * unsent batches, open one included. Full batches also leave from inside the caller's loop once
 * a request's share of them is waiting, rather than at the end of the caller's tick.
 */
export class Sender {
  private readonly config: ProducerConfig;
  private readonly metadata: ClusterMetadata;
  private readonly accumulator: RecordAccumulator;
  private readonly builder: RequestBuilder;
  private readonly release: (bytes: number) => void;
  private readonly pressed: () => boolean;
  private readonly now: () => number;
  private readonly stats: ProducerStats;
  /** Requests one partition may have in flight. */
  private readonly perPartition: number;
  /** buffer.memory one request may hold when partitions pipeline ({@link requestShare}). */
  private readonly requestShare: number;
  private readonly inFlightByBroker = new Map<number, number>();
  private readonly order = new DrainOrder();
  private readonly leaderLookups = new Set<PartitionQueue>();
  private drainScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  /** While above 0, every batch is ready at once (flush or close in progress). */
  private urgent = 0;
  private stopped = false;

  constructor(options: SenderOptions) {
    const c = options.config;
    this.config = c;
    this.metadata = options.metadata;
    this.accumulator = options.accumulator;
    this.builder = new RequestBuilder(c, options.accumulator);
    this.release = options.release;
    this.pressed = options.pressed;
    this.now = options.now;
    this.stats = options.stats;
    this.perPartition = c.retries > 0 ? 1 : c.maxInFlightRequestsPerConnection;
    this.requestShare = requestShare(c);
  }

  /**
   * After each append. A caller's loop that sends without yielding would otherwise fill
   * buffer.memory before anything is sent, and then wait while the broker works: once a
   * request's share sits in full batches, they go now, and the broker works while the loop goes on.
   */
  appended(): void {
    if (this.accumulator.closedHeld >= this.requestShare && !this.stopped) {
      try {
        this.drain(true);
      } catch (err) {
        // The record is queued: a failure to send others is not this send's, and surfaces as the
        // scheduled drain's would, uncaught.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    this.wake();
  }

  /** Asks for a drain soon; many calls in one tick cost one drain, after the caller's loop has appended. */
  wake(): void {
    if (this.drainScheduled || this.stopped) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain(false);
    });
  }

  /** Makes every batch ready until the returned function is called. */
  hurry(): () => void {
    this.urgent++;
    this.wake();
    let ended = false;
    return () => {
      if (!ended) this.urgent--;
      ended = true;
    };
  }

  /** Stops sending and clears the timer; requests in flight are left to the connections' close. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends what is ready; `fullOnly` (from inside the caller's loop) sends full batches only. */
  private drain(fullOnly: boolean): void {
    if (this.stopped) return;
    this.accumulator.closedHeld = 0;
    if (!fullOnly) this.accumulator.era++;
    const now = this.now();
    const pressed = this.urgent > 0 || this.pressed();
    let nextWake = Number.POSITIVE_INFINITY;
    const byBroker = new Map<number, PartitionQueue[]>();
    for (const q of this.accumulator.queues) {
      const at = this.readyAt(q, now, fullOnly, pressed);
      if (at > now) {
        nextWake = Math.min(nextWake, at);
        continue;
      }
      const leader = this.metadata.leaderId(q.topic, q.partition);
      if (leader === undefined) {
        this.lookUpLeader(q);
        continue;
      }
      if (this.inFlight(leader) >= this.config.maxInFlightRequestsPerConnection) continue;
      const list = byBroker.get(leader);
      if (list === undefined) byBroker.set(leader, [q]);
      else list.push(q);
    }
    for (const [leader, queues] of byBroker) this.sendTo(leader, queues, fullOnly, now, pressed);
    // The scheduled drain keeps the timer: a full-only one skips lingering batches without a time.
    if (!fullOnly) this.armTimer(nextWake);
  }

  /** When `q` may send: at or before `now` if ready, else when to look again (never: infinity). */
  private readyAt(q: PartitionQueue, now: number, fullOnly: boolean, pressed: boolean): number {
    const next = q.nextUnsent;
    if (next === undefined || q.inFlightRequests >= this.perPartition) return Number.POSITIVE_INFINITY;
    if (q.retryAt > now) return q.retryAt;
    // Inside the caller's loop, an open batch waits for more records, unless its partition got
    // none since the loop last yielded: then it is ready as at any other time (linger, pressure).
    if (fullOnly && this.accumulator.beingFilled(q)) return next.closed ? now : Number.POSITIVE_INFINITY;
    if (pressed || next.closed || q.batches.length - q.sendingBatches > 1) return now;
    return next.createdAt + this.config.lingerMs;
  }

  private inFlight(leader: number): number {
    return this.inFlightByBroker.get(leader) ?? 0;
  }

  /**
   * Sends `leader` requests for its ready partitions (`queues`, in queue order) while they have
   * batches and it has room in flight.
   */
  private sendTo(
    leader: number,
    queues: PartitionQueue[],
    fullOnly: boolean,
    now: number,
    pressed: boolean,
  ): void {
    const limits = {
      closedOnly: fullOnly,
      maxHeld: this.perPartition > 1 ? this.requestShare : Number.POSITIVE_INFINITY,
    };
    let ready = this.order.rotate(leader, queues);
    while (ready.length > 0 && this.inFlight(leader) < this.config.maxInFlightRequestsPerConnection) {
      const planned = this.builder.build(ready, limits);
      if (planned.carried.length === 0) return;
      this.order.built(leader, planned);
      this.send(leader, planned);
      if (!planned.leftOver) return;
      ready = this.order.rotate(
        leader,
        queues.filter((q) => this.readyAt(q, now, fullOnly, pressed) <= now),
      );
    }
  }

  private armTimer(at: number): void {
    if (at >= this.timerAt && this.timer !== undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.wake();
      },
      Math.max(0, at - this.now()),
    );
  }

  private lookUpLeader(q: PartitionQueue): void {
    if (this.leaderLookups.has(q)) return;
    this.leaderLookups.add(q);
    this.metadata.leaderFor(q.topic, q.partition).then(
      () => {
        this.leaderLookups.delete(q);
        this.wake();
      },
      (err: unknown) => {
        this.leaderLookups.delete(q);
        if (this.stopped) return;
        // Every waiting batch counts one attempt, so a partition without a leader fails after
        // `retries` lookups instead of holding its records (and buffer.memory) forever.
        const waiting = q.batches.slice(q.sendingBatches);
        for (const b of waiting) b.attempts++;
        this.retryOrFail({ queue: q, batches: waiting }, err, undefined, false);
        this.wake();
      },
    );
  }

  /** Sends one planned request; its answer (or failure) settles the batches it carries. */
  private send(leader: number, planned: PlannedRequest): void {
    const { carried } = planned;
    this.inFlightByBroker.set(leader, (this.inFlightByBroker.get(leader) ?? 0) + 1);
    const stats = this.stats;
    stats.requests++;
    const sentAt = performance.now();
    const request = produceRequest({
      requiredAcks: this.config.acks,
      timeoutMs: this.config.requestTimeoutMs,
      topics: planned.topics,
    });
    let sending: Promise<ProduceResponse | undefined>;
    try {
      sending = this.metadata
        .connection(leader)
        .send(request, { timeoutMs: this.config.requestTimeoutMs + ANSWER_MARGIN_MS });
    } catch (err) {
      sending = Promise.reject(err);
    }
    sending.then(
      (resp) => {
        stats.latencies.record(performance.now() - sentAt);
        this.answered(leader, carried, resp);
      },
      (err: unknown) => this.failed(leader, carried, err),
    );
  }

  private finishRequest(leader: number): void {
    this.inFlightByBroker.set(leader, (this.inFlightByBroker.get(leader) ?? 1) - 1);
    this.wake();
  }

  private answered(leader: number, carried: Carried[], resp: ProduceResponse | undefined): void {
    for (const c of carried) {
      const { queue } = c;
      if (resp === undefined) {
        this.complete(c, undefined);
        continue;
      }
      const p = resp.topics
        .find((t) => t.topic === queue.topic)
        ?.partitions.find((x) => x.partition === queue.partition);
      const code = p === undefined ? ErrorCode.UNKNOWN_SERVER_ERROR : p.errorCode;
      if (p !== undefined && code === ErrorCode.NONE) {
        this.complete(c, p.offset);
        continue;
      }
      if (STALE_LEADER.has(code)) this.metadata.invalidate(queue.topic, queue.partition);
      this.retryOrFail(
        c,
        new KafkaProtocolError(code, { topic: queue.topic, partition: queue.partition }),
        code,
        true,
      );
    }
    this.finishRequest(leader);
  }

  private failed(leader: number, carried: Carried[], err: unknown): void {
    for (const c of carried) {
      // The connection is gone (or its answer unreadable): the leader may have moved.
      this.metadata.invalidate(c.queue.topic, c.queue.partition);
      this.retryOrFail(c, err, undefined, true);
    }
    this.finishRequest(leader);
  }

  /** The request that carried `c` is over, answered or not: its batches are no longer in flight. */
  private endRequest(c: Carried): void {
    c.queue.inFlightRequests--;
    c.queue.sendingBatches -= c.batches.length;
    for (const b of c.batches) b.sending = false;
  }

  private complete(c: Carried, baseOffset: bigint | undefined): void {
    this.endRequest(c);
    removeBatches(c.queue, c.batches);
    let offset = baseOffset;
    for (const b of c.batches) {
      this.stats.acknowledged(b.count, b.bytes);
      b.complete(c.queue.topic, c.queue.partition, offset);
      if (offset !== undefined) offset += BigInt(b.count);
      this.accumulator.releaseBuffer(b);
      this.release(b.held);
    }
  }

  /**
   * A retriable failure sends the carried batches again after retry.backoff.ms, except those that
   * have used up `retries`; anything else fails them. The oldest batches have the most attempts,
   * so failing from the head keeps the partition's order; the rest stay at the head, unsent.
   */
  private retryOrFail(c: Carried, err: unknown, code: number | undefined, inRequest: boolean): void {
    if (inRequest) this.endRequest(c);
    const { queue, batches } = c;
    const retriable = !this.stopped && isRetriable(err);
    let failing = 0;
    while (failing < batches.length && (!retriable || batches[failing]!.attempts > this.config.retries))
      failing++;
    const failed = batches.slice(0, failing);
    removeBatches(queue, failed);
    const stats = this.stats;
    stats.retries += batches.length - failing;
    for (const b of failed) {
      stats.failedRecords += b.count;
      b.fail(new ProduceFailedError(queue.topic, queue.partition, b.attempts, code, err));
      this.accumulator.releaseBuffer(b);
      this.release(b.held);
    }
    if (failing < batches.length) queue.retryAt = this.now() + this.config.retryBackoffMs;
  }
}

/** Takes answered batches off their queue: normally its head, as one partition's requests are answered in order. */
function removeBatches(queue: PartitionQueue, batches: Batch[]): void {
  if (batches.length === 0) return;
  if (queue.batches[0] === batches[0]) {
    queue.batches.splice(0, batches.length);
    return;
  }
  const gone = new Set(batches);
  const keep = queue.batches.filter((b) => !gone.has(b));
  queue.batches.length = 0;
  queue.batches.push(...keep);
}

function isRetriable(err: unknown): boolean {
  if (err instanceof ConnectionClosedError) return false;
  if (err instanceof KafkaProtocolError) return err.retriable;
  // A lost connection, a timed-out answer, an answer that could not be read, a leader not found
  // yet or not in the broker list: all may succeed against a fresh connection or a new leader.
  return (
    err instanceof ConnectionError ||
    err instanceof ProtocolDecodeError ||
    err instanceof LeaderNotAvailableError ||
    err instanceof NoBrokerAvailableError ||
    err instanceof UnknownBrokerError
  );
}
