import type { Message } from '../../protocol/message-set.js';
import type { LazyMessageBatch } from './message-batch.js';
import type { PartitionState } from './partition-state.js';
import type { PrefetchBudget } from './prefetch-budget.js';

/** What `next()` hands out: consecutive messages of one partition. */
export interface FetchBatch {
  topic: string;
  partition: number;
  /**
   * In offset order, none below `fetchOffset`; views into the response, valid until released by
   * GC (with `releaseFrames`, until the next `next()`).
   */
  messages: Message[];
  highWatermark: bigint;
  /** The offset this fetch asked for. */
  fetchOffset: bigint;
  /** Where reading resumes after this batch: store it with the applied batch as the checkpoint. */
  nextOffset: bigint;
}

/**
 * Bytes of one fetch response, released to the budget when the last batch cut from it leaves
 * the queue (handed out or dropped); then, if the engine frees frames, its memory is noted as
 * done with (see {@link DoneFrames}).
 */
export class ResponseHold {
  private refs = 0;
  private readonly bytes: number;
  private readonly budget: PrefetchBudget;
  private readonly frame: { memory: ArrayBufferLike; done: DoneFrames } | undefined;

  constructor(bytes: number, budget: PrefetchBudget, frame?: { memory: ArrayBufferLike; done: DoneFrames }) {
    this.bytes = bytes;
    this.budget = budget;
    this.frame = frame;
  }

  retain(): void {
    this.refs++;
  }

  /** Call once after queueing every batch of the response: frees it at once if none was kept. */
  seal(): void {
    this.refs++;
    this.drop();
  }

  drop(): void {
    this.refs--;
    if (this.refs !== 0) return;
    this.budget.release(this.bytes);
    this.frame?.done.add(this.frame.memory);
  }
}

/**
 * Response frames none of whose batches is queued any more. The last one handed out may still be
 * in the caller's hands, so they are freed only when the caller asks for the next batch: by the
 * engine's contract it is done with the previous one then.
 */
export class DoneFrames {
  private frames: ArrayBufferLike[] = [];

  add(memory: ArrayBufferLike): void {
    this.frames.push(memory);
  }

  /** Frees every frame noted so far. */
  release(free: (memory: ArrayBufferLike) => void): void {
    if (this.frames.length === 0) return;
    const frames = this.frames;
    this.frames = [];
    for (const memory of frames) free(memory);
  }

  /** Forgets the frames without freeing them (the collector will). */
  clear(): void {
    this.frames = [];
  }
}

type Entry =
  | { kind: 'batch'; state: PartitionState; epoch: number; batch: LazyMessageBatch; hold: ResponseHold }
  | { kind: 'error'; state: PartitionState; epoch: number; error: Error };

/**
 * Batches and unrecoverable errors in the order they were fetched. An entry whose partition was
 * sought, paused or unassigned since (epoch changed) is dropped at hand-out time, so a paused
 * partition's prefetched data is never delivered.
 */
export class DeliveryQueue {
  /**
   * Slots before `head` are cleared as they are shifted: a handed-out batch (its Message objects
   * and the response frame under them) must not stay reachable from here.
   */
  private entries: (Entry | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.entries.length - this.head;
  }

  pushBatch(state: PartitionState, batch: LazyMessageBatch, hold: ResponseHold): void {
    hold.retain();
    this.entries.push({ kind: 'batch', state, epoch: state.epoch, batch, hold });
  }

  pushError(state: PartitionState, error: Error): void {
    this.entries.push({ kind: 'error', state, epoch: state.epoch, error });
  }

  /** The next live entry, or undefined. Stale entries on the way are released. */
  shift():
    | { batch: LazyMessageBatch; state: PartitionState }
    | { error: Error; state: PartitionState }
    | undefined {
    while (this.head < this.entries.length) {
      const e = this.entries[this.head]!;
      this.entries[this.head] = undefined;
      this.head++;
      if (this.head === this.entries.length) {
        this.entries.length = 0;
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
        this.entries = this.entries.slice(this.head);
        this.head = 0;
      }
      const live = !e.state.removed && e.state.epoch === e.epoch;
      if (e.kind === 'error') {
        if (live) return { error: e.error, state: e.state };
        continue;
      }
      e.hold.drop();
      if (live) return { batch: e.batch, state: e.state };
    }
    return undefined;
  }

  /** Drops stale entries now (after a seek/pause) so their bytes go back to the budget at once. */
  purge(): void {
    const keep: (Entry | undefined)[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (!e.state.removed && e.state.epoch === e.epoch) keep.push(e);
      else if (e.kind === 'batch') e.hold.drop();
    }
    this.entries = keep;
    this.head = 0;
  }

  clear(): void {
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.kind === 'batch') e.hold.drop();
    }
    this.entries = [];
    this.head = 0;
  }
}
