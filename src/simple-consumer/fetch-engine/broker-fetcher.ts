import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { Kafka08Error, ProtocolDecodeError } from '../../protocol/errors.js';
import { type FetchResponse, type FetchResponsePartition, fetchRequest } from '../../protocol/fetch.js';
import { type MessageSetOutline, outlineMessageSet } from '../../protocol/message-set-outline.js';
import { ConnectionError } from '../errors.js';
import type { EngineContext } from './context.js';
import { ResponseHold } from './delivery-queue.js';
import {
  OffsetOutOfRangeError,
  PartitionUnreadableError,
  UndecodableResponseError,
  unreadableReason,
} from './errors.js';
import { type FetchPlan, hasLargeEntries, planFetch, type Requested } from './fetch-plan.js';
import { grownFetchSize } from './fetch-size.js';
import { LazyMessageBatch } from './message-batch.js';
import { resetTarget } from './offset-reset.js';
import { noteAnswer } from './stall-watch.js';

/** Fetch error codes that mean "this broker is the wrong place now": find the leader again. */
const LEADER_CODES: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_SERVER_ERROR,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_FOR_PARTITION,
  ErrorCode.BROKER_NOT_AVAILABLE,
  ErrorCode.REPLICA_NOT_AVAILABLE,
]);

type Outcome = { response: FetchResponse } | { error: unknown };

interface Sent {
  parts: Requested[];
  reserved: number;
  outcome: Promise<Outcome>;
  sentAt: number;
}

/**
 * The fetch loop of one broker: one Fetch in flight at a time for the partitions it leads, the
 * next one sent as soon as the previous answer is queued (not handed out), within the budget.
 */
export class BrokerFetcher {
  readonly brokerId: number;
  private readonly ctx: EngineContext;
  /** Rotates which partitions go first, so a small budget still serves all of them in turn. */
  private cursor = 0;
  /** Answers in a row that arrived but could not be decoded; any decoded answer clears it. */
  private undecodable = 0;
  readonly done: Promise<void>;

  constructor(ctx: EngineContext, brokerId: number) {
    this.ctx = ctx;
    this.brokerId = brokerId;
    this.done = this.run();
  }

  private async run(): Promise<void> {
    const { signal, changed } = this.ctx;
    let sent: Sent | undefined;
    while (!signal.aborted) {
      if (sent === undefined) {
        const picked = this.pick();
        if (picked === undefined) {
          await changed.wait(signal);
          continue;
        }
        sent = this.send(picked);
      }
      this.receive(sent, await sent.outcome);
      sent = undefined;
      // The consumer is woken first (receive notifies), and the next request goes out at its
      // first await, i.e. after it has decoded one batch, not the whole answer (answers are cut
      // into batches of about the fetch size). Sending before waking it would be faster still,
      // but then every response frame lives through the decoding of the previous one, gets
      // promoted to V8's old space and is freed only by a full GC: about 64 MB more RSS.
    }
  }

  private pick(): FetchPlan | undefined {
    const plan = planFetch(this.ctx, this.brokerId, this.cursor);
    if (plan !== undefined) this.cursor = plan.cursor;
    return plan;
  }

  /** Reserves the request's bytes and writes it (synchronously when connected). */
  private send({ parts, wait }: FetchPlan): Sent {
    const { budget, config, signal } = this.ctx;
    const reserved = parts.reduce((n, p) => n + p.size, 0);
    budget.reserve(reserved);
    const byTopic = new Map<string, Requested[]>();
    for (const p of parts) {
      const list = byTopic.get(p.state.topic);
      if (list === undefined) byTopic.set(p.state.topic, [p]);
      else list.push(p);
    }
    let outcome: Promise<Outcome>;
    try {
      const conn = this.ctx.cluster.connection(this.brokerId, 'fetch');
      outcome = conn
        .send(
          fetchRequest({
            maxWaitMs: wait ? config.maxWaitMs : 0,
            minBytes: config.minBytes,
            topics: [...byTopic].map(([topic, list]) => ({
              topic,
              partitions: list.map((p) => ({
                partition: p.state.partition,
                fetchOffset: p.offset,
                maxBytes: p.size,
              })),
            })),
          }),
          { timeoutMs: config.socketTimeoutMs, signal },
        )
        .then(
          (response) => ({ response }),
          (error: unknown) => ({ error }),
        );
    } catch (error) {
      outcome = Promise.resolve({ error });
    }
    return { parts, reserved, outcome, sentAt: performance.now() };
  }

  private receive(sent: Sent, outcome: Outcome): void {
    const { budget, signal, stats } = this.ctx;
    const { parts, reserved } = sent;
    stats.fetches++;
    stats.latencies.record(performance.now() - sent.sentAt);
    if (!('response' in outcome)) {
      budget.release(reserved);
      if (signal.aborted) return;
      const { error } = outcome;
      if (
        error instanceof ProtocolDecodeError &&
        ++this.undecodable >= this.ctx.config.maxUndecodableFetches
      ) {
        // Not cleared here: later garbage fails the partitions it was asked for at once.
        this.failUndecodable(parts, error);
        return;
      }
      this.transportFailed(error);
      return;
    }
    this.undecodable = 0;
    const { response } = outcome;
    let received = 0;
    for (const t of response.topics) for (const p of t.partitions) received += p.messageSet.length;
    stats.fetchedBytes += received;
    // The frame is held until its last batch is handed out; the over-reservation is freed now.
    if (received < reserved) budget.release(reserved - received);
    else budget.reserve(received - reserved);
    const memory = this.ctx.config.releaseFrames ? frameMemory(response) : undefined;
    const hold = new ResponseHold(
      received,
      budget,
      memory === undefined ? undefined : { memory, done: this.ctx.doneFrames },
    );
    for (const p of parts) {
      const answer = response.topics
        .find((t) => t.topic === p.state.topic)
        ?.partitions.find((x) => x.partition === p.state.partition);
      this.handlePartition(p, answer, hold);
    }
    hold.seal();
    this.ctx.changed.notify();
  }

  /** The whole broker is unreachable: every partition it led goes back to the leader finder. */
  private transportFailed(err: unknown): void {
    const error =
      err instanceof Kafka08Error
        ? err
        : new ConnectionError({ host: `broker ${this.brokerId}`, port: 0 }, 'fetch failed', err);
    // An undecodable answer is handled the same way: nothing in that frame can be trusted.
    if (!(err instanceof ProtocolDecodeError)) this.ctx.stats.transportFailures++;
    let moved = 0;
    for (const s of [...this.ctx.partitions()]) {
      if (s.leader !== this.brokerId || s.status !== 'ready' || s.removed) continue;
      this.ctx.lookupLeader(s, error, this.brokerId);
      moved++;
    }
    if (moved === 0) this.ctx.report(error, { brokerId: this.brokerId });
  }

  /** The partitions of a request whose answer, like the ones before it, could not be decoded. */
  private failUndecodable(parts: Requested[], error: ProtocolDecodeError): void {
    for (const p of parts) {
      if (!this.current(p)) continue;
      const s = p.state;
      this.ctx.fail(
        s,
        new UndecodableResponseError(s.topic, s.partition, p.offset, this.brokerId, this.undecodable, error),
      );
    }
  }

  /** Whether an answer for `p` still applies: not sought, paused, unassigned or moved meanwhile. */
  private current(p: Requested): boolean {
    const s = p.state;
    return (
      !s.removed &&
      s.epoch === p.epoch &&
      s.status === 'ready' &&
      s.leader === this.brokerId &&
      s.fetchOffset === p.offset
    );
  }

  private handlePartition(
    p: Requested,
    answer: FetchResponsePartition | undefined,
    hold: ResponseHold,
  ): void {
    if (!this.current(p)) return;
    const s = p.state;
    const where = { topic: s.topic, partition: s.partition, offset: p.offset };
    if (answer === undefined) {
      this.ctx.lookupLeader(
        s,
        new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, where),
        this.brokerId,
      );
      return;
    }
    const code = answer.errorCode;
    if (code === ErrorCode.NONE) s.highWatermark = answer.highWatermark;
    // Newer brokers: only this partition stops; the rest of the answer is served as usual.
    const unreadable = unreadableReason(code, answer.nullMessageSet === true);
    if (unreadable !== undefined) {
      this.ctx.fail(
        s,
        new PartitionUnreadableError(s.topic, s.partition, p.offset, this.brokerId, code, unreadable),
      );
      return;
    }
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      const target = resetTarget(this.ctx.config.autoOffsetReset);
      if (target === undefined) this.ctx.fail(s, new OffsetOutOfRangeError(s.topic, s.partition, p.offset));
      else this.ctx.reset(s, target, p.offset);
      return;
    }
    if (code !== ErrorCode.NONE) {
      const error = new KafkaProtocolError(code, where);
      if (LEADER_CODES.has(code) || error.retriable) this.ctx.lookupLeader(s, error, this.brokerId);
      else this.ctx.fail(s, error);
      return;
    }
    // Only the entry headers are read here, so the next fetch goes out at once; the set is
    // verified and decoded when its batch is handed out (see LazyMessageBatch).
    let outline: MessageSetOutline;
    try {
      // An entry that a fetch of the partition's own size could not return whole is cut off
      // here, so a larger catch-up request changes nothing about growth or MessageTooLargeError.
      outline = outlineMessageSet(answer.messageSet, {
        topic: s.topic,
        partition: s.partition,
        maxEntryBytes: p.base,
        // Batches stay small whatever a fetch brought: a batch's records (or Message objects)
        // are built at once, and small batches keep them short-lived.
        pieceBytes: this.ctx.config.batchBytes,
        // Corruption the outline sees stops the partition after the pieces in front of it,
        // exactly as one found when a piece is verified at hand-out does.
        cutAtFault: true,
      });
    } catch (err) {
      this.ctx.fail(s, err instanceof Error ? err : new Kafka08Error('message set decode failed', where));
      return;
    }

    const stalled = noteAnswer(s, p.offset, answer.messageSet.length, answer.highWatermark);
    if (stalled !== undefined) this.ctx.events.emit('partition-stalled', stalled);

    // The broker filled the request: more is waiting, so the next request may ask for more.
    // Not for compressed sets: a batch of those is decompressed and decoded whole at hand-out,
    // and larger fetches measurably pushed peak RSS over 150 MB with snappy. Not for a full
    // probe either: that partition asks for its fetch size next, and only a full answer to that
    // makes it behind (a request asks for about one catch-up fetch in all, so 256 partitions
    // whose first probes came back full were read one per request, at half the rate).
    s.behind = answer.messageSet.length >= p.size && p.size >= p.base && !outline.compressed;
    s.largeEntries = hasLargeEntries(outline);
    if (outline.entries > 0) s.entryBytes = outline.validBytes / outline.entries;
    if (outline.nextOffset !== null) {
      s.fetchOffset = outline.nextOffset;
      s.fetchSize = this.ctx.config.fetchSizeBytes;
      let from = 0;
      let fetchOffset = p.offset;
      const checked = answer.crcCheckedBytes ?? 0;
      for (const piece of outline.pieces) {
        this.ctx.queue.pushBatch(
          s,
          new LazyMessageBatch(
            s.topic,
            s.partition,
            answer.messageSet.subarray(from, piece.end),
            fetchOffset,
            piece.nextOffset,
            answer.highWatermark,
            outline.compressed,
            Math.max(0, Math.min(checked, piece.end) - from),
            this.ctx.config.maxDecompressedBytes,
          ),
          hold,
        );
        from = piece.end;
        fetchOffset = piece.nextOffset;
      }
    }
    if (outline.fault !== undefined) {
      this.ctx.fail(s, outline.fault);
      return;
    }
    if (outline.nextOffset !== null || !outline.partialTail) return;
    // A probe cut off an entry that the partition's own size holds: the next fetch asks for it.
    if (p.size < p.base && (outline.firstEntrySize ?? 0) <= p.base) {
      s.behind = true;
      return;
    }
    try {
      const next = grownFetchSize(where, p.base, outline.firstEntrySize, this.ctx.config.maxFetchSizeBytes);
      s.fetchSize = next;
      this.ctx.stats.fetchSizeGrowths++;
      this.ctx.events.emit('fetch-size-grown', { ...where, from: p.base, to: next });
    } catch (err) {
      this.ctx.fail(s, err instanceof Error ? err : new Kafka08Error('fetch size', where));
    }
  }
}

/** The memory of the frame a response was decoded from (its message sets are views into it). */
function frameMemory(response: FetchResponse): ArrayBufferLike | undefined {
  for (const t of response.topics)
    for (const p of t.partitions) if (p.messageSet.length > 0) return p.messageSet.buffer;
  return undefined;
}
