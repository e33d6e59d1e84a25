import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { Kafka08Error } from '../../protocol/errors.js';
import { Backoff } from '../backoff.js';
import { UnsupportedBrokerError } from '../errors.js';
import type { EngineContext } from './context.js';
import type { PartitionState } from './partition-state.js';

/** Metadata could not be loaded from any broker; retried after a backoff. */
export class LeaderLookupError extends Kafka08Error {}

/**
 * Finds leaders for partitions in `no-leader`: one metadata refresh per round for all of their
 * topics, then each partition is handed to its leader's fetcher. Rounds after a failure wait
 * `refresh.leader.backoff.ms`, growing up to the configured maximum, and retry forever; every
 * failure is reported so the wait is never silent.
 */
export class LeaderFinder {
  private readonly ctx: EngineContext;
  private readonly onLeader: (state: PartitionState, brokerId: number) => void;
  private readonly backoff: Backoff;
  readonly done: Promise<void>;

  constructor(ctx: EngineContext, onLeader: (state: PartitionState, brokerId: number) => void) {
    this.ctx = ctx;
    this.onLeader = onLeader;
    this.backoff = new Backoff({
      baseMs: ctx.config.refreshLeaderBackoffMs,
      maxMs: ctx.config.maxRefreshLeaderBackoffMs,
      // Never below the base: right after a leader loss the election needs that long anyway.
      jitter: 'decorrelated',
    });
    this.done = this.run();
  }

  private waiting(): PartitionState[] {
    const list: PartitionState[] = [];
    for (const s of this.ctx.partitions()) if (s.status === 'no-leader' && !s.removed) list.push(s);
    return list;
  }

  private async run(): Promise<void> {
    const { signal, cluster } = this.ctx;
    while (!signal.aborted) {
      let waiting = this.waiting();
      if (waiting.length === 0) {
        await this.ctx.changed.wait(signal);
        continue;
      }
      if (waiting.some((s) => s.backoff)) {
        try {
          await sleep(this.backoff.next(), undefined, { signal });
        } catch {
          return;
        }
        waiting = this.waiting();
        if (waiting.length === 0) continue;
      }
      const topics = [...new Set(waiting.map((s) => s.topic))];
      try {
        // The refresh is not abortable; racing it keeps close() from waiting out its timeouts.
        await untilAborted(cluster.refresh(topics), signal);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof UnsupportedBrokerError) {
          for (const s of waiting) if (!s.removed) this.ctx.fail(s, err);
          continue;
        }
        const error =
          err instanceof Kafka08Error
            ? err
            : new LeaderLookupError(`metadata refresh for ${topics.join(', ')} failed`, {}, { cause: err });
        this.ctx.report(error, {});
        for (const s of waiting) s.backoff = true;
        continue;
      }
      let missing = false;
      for (const s of waiting) {
        if (s.status !== 'no-leader' || s.removed) continue;
        const id = cluster.leaderId(s.topic, s.partition);
        if (id === undefined || id < 0) {
          s.backoff = true;
          missing = true;
          const where = { topic: s.topic, partition: s.partition };
          this.ctx.report(new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, where), where);
          continue;
        }
        s.backoff = false;
        this.onLeader(s, id);
      }
      if (!missing) this.backoff.reset();
    }
  }
}

/** `p`, or an early settle (rejection) once `signal` fires; `p`'s own outcome is then ignored. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  p.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
