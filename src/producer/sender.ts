import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import { ProtocolDecodeError } from '../protocol/errors.js';
import { encodeWrapper } from '../protocol/message-set-encode.js';
import { type ProduceRequestTopic, type ProduceResponse, produceRequest } from '../protocol/produce.js';
import type { ClusterMetadata } from '../simple-consumer/cluster-metadata.js';
import {
  ConnectionClosedError,
  ConnectionError,
  LeaderNotAvailableError,
  NoBrokerAvailableError,
  UnknownBrokerError,
} from '../simple-consumer/errors.js';
import type { Batch, PartitionQueue, RecordAccumulator } from './accumulator.js';
import type { ProducerConfig } from './config.js';
import { ProduceFailedError } from './errors.js';
import type { ProducerStats } from './producer-stats.js';

/** The client waits this much longer than the broker's own ack timeout before giving up on an answer. */
const ANSWER_MARGIN_MS = 5000;

/** Broker error codes after which the partition's leader is looked up again. */
const STALE_LEADER = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_FOR_PARTITION,
]);

/** One partition's share of a Produce request: the oldest unsent batches, in order. */
interface Carried {
  queue: PartitionQueue;
  batches: Batch[];
}

export interface SenderOptions {
  config: ProducerConfig;
  metadata: ClusterMetadata;
  accumulator: RecordAccumulator;
  /** Gives a completed batch's bytes back to buffer.memory. */
  release: (bytes: number) => void;
  /** Counts what was sent, acknowledged, retried and failed, for metrics. */
  stats: ProducerStats;
  now: () => number;
}

/**
 * Moves ready batches to their leaders: one Produce request per broker carrying every ready
 * partition led by it, at most `max.in.flight.requests.per.connection` requests per broker. With
 * `retries` > 0 a partition has one request in flight at a time, so a retried batch can never
 * fall behind a later one (per-partition order holds with retries); without retries nothing is
 * sent twice, and a partition may pipeline as many requests as its broker. A partition is ready
 * when its oldest unsent batch is full, has lingered `linger.ms`, or a flush or close is under way.
 */
export class Sender {
  private readonly config: ProducerConfig;
  private readonly metadata: ClusterMetadata;
  private readonly accumulator: RecordAccumulator;
  private readonly release: (bytes: number) => void;
  private readonly now: () => number;
  private readonly stats: ProducerStats;
  private readonly inFlightByBroker = new Map<number, number>();
  private readonly leaderLookups = new Set<PartitionQueue>();
  private drainScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  /** While above 0, every batch is ready at once (flush or close in progress). */
  private urgent = 0;
  private stopped = false;

  constructor(options: SenderOptions) {
    this.config = options.config;
    this.metadata = options.metadata;
    this.accumulator = options.accumulator;
    this.release = options.release;
    this.now = options.now;
    this.stats = options.stats;
  }

  /** Asks for a drain soon; many calls in one tick cost one drain, after the caller's loop has appended. */
  wake(): void {
    if (this.drainScheduled || this.stopped) return;
    this.drainScheduled = true;
    setImmediate(() => this.drain());
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

  private drain(): void {
    this.drainScheduled = false;
    if (this.stopped) return;
    const now = this.now();
    const perPartition = this.config.retries > 0 ? 1 : this.config.maxInFlightRequestsPerConnection;
    let nextWake = Number.POSITIVE_INFINITY;
    const byBroker = new Map<number, PartitionQueue[]>();
    for (const q of this.accumulator.queues) {
      const next = q.nextUnsent;
      if (next === undefined || q.inFlightRequests >= perPartition) continue;
      if (q.retryAt > now) {
        nextWake = Math.min(nextWake, q.retryAt);
        continue;
      }
      const lingerEnds = next.createdAt + this.config.lingerMs;
      const more = q.batches.length - q.sendingBatches > 1;
      if (this.urgent === 0 && !next.closed && !more && lingerEnds > now) {
        nextWake = Math.min(nextWake, lingerEnds);
        continue;
      }
      const leader = this.metadata.leaderId(q.topic, q.partition);
      if (leader === undefined) {
        this.lookUpLeader(q);
        continue;
      }
      if ((this.inFlightByBroker.get(leader) ?? 0) >= this.config.maxInFlightRequestsPerConnection) continue;
      const list = byBroker.get(leader);
      if (list === undefined) byBroker.set(leader, [q]);
      else list.push(q);
    }
    for (const [leader, queues] of byBroker) this.sendTo(leader, queues);
    this.armTimer(nextWake);
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

  /** Builds and sends one request to `leader` for as many ready partitions as max.request.size allows. */
  private sendTo(leader: number, queues: PartitionQueue[]): void {
    const carried: Carried[] = [];
    const topics = new Map<string, ProduceRequestTopic>();
    let total = 0;
    let leftOver = false;
    for (const q of queues) {
      const taken: Batch[] = [];
      for (let i = q.sendingBatches; i < q.batches.length; i++) {
        const b = q.batches[i]!;
        const codec = this.config.codec;
        const size = codec === 0 ? b.bytes : this.compressed(b, codec).length;
        if (total > 0 && total + size > this.config.maxRequestSize) break;
        total += size;
        taken.push(b);
      }
      if (taken.length === 0) {
        leftOver = true;
        continue;
      }
      for (const b of taken) {
        b.closed = true;
        b.sending = true;
        b.attempts++;
      }
      q.sendingBatches += taken.length;
      q.inFlightRequests++;
      // More than one request's worth is ready: the next drain sends it, if the limits allow.
      if (q.nextUnsent !== undefined) leftOver = true;
      carried.push({ queue: q, batches: taken });
      let t = topics.get(q.topic);
      if (t === undefined) {
        t = { topic: q.topic, partitions: [] };
        topics.set(q.topic, t);
      }
      t.partitions.push({ partition: q.partition, messageSet: this.messageSet(taken) });
    }
    if (carried.length === 0) return;
    this.inFlightByBroker.set(leader, (this.inFlightByBroker.get(leader) ?? 0) + 1);
    const stats = this.stats;
    stats.requests++;
    const sentAt = performance.now();
    const request = produceRequest({
      requiredAcks: this.config.acks,
      timeoutMs: this.config.requestTimeoutMs,
      topics: [...topics.values()],
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
    if (leftOver) this.wake();
  }

  /**
   * One partition's message set: its batches' sets, as written at append time. Compressed, each
   * batch is one wrapper (as the Java producer compresses per batch), kept for retries.
   */
  private messageSet(batches: Batch[]): Buffer {
    const codec = this.config.codec;
    if (batches.length === 1) {
      const b = batches[0]!;
      return codec === 0 ? b.messageSet : this.compressed(b, codec);
    }
    return Buffer.concat(batches.map((b) => (codec === 0 ? b.messageSet : this.compressed(b, codec))));
  }

  private compressed(b: Batch, codec: 1 | 2 | 3): Buffer {
    if (b.compressed === undefined) {
      // The wrapper's offset is its last inner message's, relative to the batch as the inner ones are.
      b.compressed = encodeWrapper(codec, b.messageSet, b.count - 1);
      // The wrapper is all a retry needs: the batch's buffer can serve the next batch.
      this.accumulator.releaseBuffer(b);
    }
    return b.compressed;
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
