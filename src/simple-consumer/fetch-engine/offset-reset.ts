import { setImmediate as nextTurn } from 'node:timers/promises';
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { Kafka08Error } from '../../protocol/errors.js';
import {
  EARLIEST_TIME,
  LATEST_TIME,
  type OffsetsRequestTopic,
  type OffsetsResponse,
  type OffsetsResponsePartition,
  offsetsRequest,
} from '../../protocol/offsets.js';
import { ConnectionError } from '../errors.js';
import type { FetchCluster } from './cluster-view.js';
import type { AutoOffsetReset } from './config.js';
import { type PartitionState, partitionKey } from './partition-state.js';

export type ResetTarget = 'earliest' | 'latest';

/** The Offsets time a policy asks for; undefined for `none` (the caller must raise). */
export function resetTarget(policy: AutoOffsetReset): ResetTarget | undefined {
  switch (policy) {
    case 'smallest':
    case 'earliest':
      return 'earliest';
    case 'largest':
    case 'latest':
      return 'latest';
    case 'none':
      return undefined;
  }
}

/**
 * Which side of the log an out-of-range offset `from` lay on, from the one answer the reset got:
 * a log start at or below it, or a log end below it, means the log ended before it; a log start
 * above it means retention passed it. A log end at or above it tells nothing (the log may have
 * grown back since the fetch).
 */
export function outOfRangeSide(
  from: bigint | undefined,
  target: ResetTarget,
  answer: bigint,
): boolean | undefined {
  if (from === undefined) return undefined;
  if (target === 'earliest') return answer <= from;
  return answer < from ? true : undefined;
}

/** One partition waiting for its log start or high watermark from its leader. */
export interface ResetLookup {
  readonly state: PartitionState;
  readonly target: ResetTarget;
  /** The out-of-range offset moved away from; undefined for a start position. */
  readonly from: bigint | undefined;
  /** `state.resetToken` when asked: a newer position makes the answer stale. */
  readonly resetToken: number;
}

/** What becomes of each lookup: its offset, or an error after which its leader is found again. */
export interface ResetOutcome {
  resolved(lookup: ResetLookup, offset: bigint): void;
  failed(lookup: ResetLookup, error: Kafka08Error, brokerId: number): void;
}

export interface ResetRequestsOptions {
  cluster: FetchCluster;
  timeoutMs: number;
  /** Aborting it cuts the requests short; their answers are then ignored. */
  signal: AbortSignal;
}

interface BrokerResets {
  /** Asked for and not sent yet; a newer lookup of a partition replaces its older one. */
  waiting: Map<PartitionState, ResetLookup>;
  /** The loop sending this broker's requests, while there is one. */
  sending: Promise<void> | undefined;
}

/**
 * The engine's Offsets requests: per broker one request at a time, carrying every partition
 * waiting for a reset on that broker. A start of many partitions, whose leaders are all found
 * by one metadata answer, thus costs one request per broker instead of one per partition; what
 * is asked for while a request is in flight goes in the next one. A request's outcome is
 * applied partition by partition, as if each had been asked for alone.
 */
export class ResetRequests {
  private readonly options: ResetRequestsOptions;
  private readonly outcome: ResetOutcome;
  private readonly brokers = new Map<number, BrokerResets>();

  constructor(options: ResetRequestsOptions, outcome: ResetOutcome) {
    this.options = options;
    this.outcome = outcome;
  }

  /** Queues `lookup` for broker `brokerId`'s next Offsets request. */
  ask(brokerId: number, lookup: ResetLookup): void {
    let broker = this.brokers.get(brokerId);
    if (broker === undefined) {
      broker = { waiting: new Map(), sending: undefined };
      this.brokers.set(brokerId, broker);
    }
    broker.waiting.set(lookup.state, lookup);
    broker.sending ??= this.sendWhileWaiting(brokerId, broker);
  }

  /** Settles once no request is being sent. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.brokers.values()].map((b) => b.sending));
  }

  private isStale(lookup: ResetLookup): boolean {
    const s = lookup.state;
    return this.options.signal.aborted || s.removed || s.resetToken !== lookup.resetToken;
  }

  private async sendWhileWaiting(brokerId: number, broker: BrokerResets): Promise<void> {
    try {
      // Whatever else is asked for in this turn of the event loop (every partition a metadata
      // answer gave a leader, every out-of-range partition of a fetch answer) joins the request.
      await nextTurn();
      while (broker.waiting.size > 0 && !this.options.signal.aborted) {
        const lookups: ResetLookup[] = [];
        for (const l of broker.waiting.values()) if (!this.isStale(l)) lookups.push(l);
        broker.waiting.clear();
        if (lookups.length > 0) await this.send(brokerId, lookups);
      }
    } finally {
      broker.sending = undefined;
    }
  }

  private async send(brokerId: number, lookups: readonly ResetLookup[]): Promise<void> {
    let response: OffsetsResponse;
    try {
      const { cluster, timeoutMs, signal } = this.options;
      response = await cluster
        .connection(brokerId, 'control')
        .send(offsetsRequest({ topics: requestTopics(lookups) }), { timeoutMs, signal });
    } catch (err) {
      const error =
        err instanceof Kafka08Error
          ? err
          : new ConnectionError({ host: `broker ${brokerId}`, port: 0 }, 'offsets request failed', err);
      for (const l of lookups) if (!this.isStale(l)) this.outcome.failed(l, error, brokerId);
      return;
    }
    const answers = new Map<string, OffsetsResponsePartition>();
    for (const t of response.topics)
      for (const p of t.partitions) answers.set(partitionKey(t.topic, p.partition), p);
    for (const l of lookups) {
      // Checked per partition: an earlier one's outcome (its listeners) may have moved this one.
      if (this.isStale(l)) continue;
      const offset = answerOffset(l.state, answers.get(l.state.key));
      if (typeof offset === 'bigint') this.outcome.resolved(l, offset);
      else this.outcome.failed(l, offset, brokerId);
    }
  }
}

function requestTopics(lookups: readonly ResetLookup[]): OffsetsRequestTopic[] {
  const topics = new Map<string, OffsetsRequestTopic>();
  for (const { state, target } of lookups) {
    let t = topics.get(state.topic);
    if (t === undefined) {
      t = { topic: state.topic, partitions: [] };
      topics.set(state.topic, t);
    }
    const timeMs = target === 'earliest' ? EARLIEST_TIME : LATEST_TIME;
    t.partitions.push({ partition: state.partition, timeMs, maxNumberOfOffsets: 1 });
  }
  return [...topics.values()];
}

/** The offset a partition's answer holds, or the error it stands for (no answer: unknown partition). */
function answerOffset(
  s: PartitionState,
  answer: OffsetsResponsePartition | undefined,
): bigint | KafkaProtocolError {
  const where = { topic: s.topic, partition: s.partition };
  if (answer === undefined) return new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, where);
  if (answer.errorCode !== ErrorCode.NONE) return new KafkaProtocolError(answer.errorCode, where);
  const offset = answer.offsets[0];
  if (offset === undefined || offset < 0n)
    return new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, where);
  return offset;
}
