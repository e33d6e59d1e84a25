import type { CheckpointPosition } from './checkpoint-state.js';
import type { CommittedPosition } from './offset-store.js';
import type { PartitionPosition } from './record-reader.js';

interface HandOut {
  pos: PartitionPosition;
  /** The partition's position before the hand-out: where a restart must read it again. */
  from: bigint;
  seq: number;
}

/**
 * Records handed out whose processing has not finished yet, so that no commit covers them.
 *
 * A partition's position moves when a record is handed out (snapshots need that); a commit must
 * stop short of records the application is still working on, or a crash, a throwing handler or a
 * rebalance would lose them. What counts as finished depends on the reading form: in the pull
 * forms a record is finished when the application asks for the next one (any read call); in a
 * stream, when the stream's consumer takes the next one out of the buffer; in `run()`, when the
 * handler's promise resolves. Each form says so through {@link finishAll} or {@link finishBefore}.
 */
export class UnfinishedRecords {
  /**
   * Hand-outs not yet finished, oldest first, in `entries[head, head + count)`. The objects are
   * reused: the record-at-a-time forms note and finish one per record, and allocating one each
   * time (or moving them around with splice) was a measurable share of their cost.
   */
  private readonly entries: HandOut[] = [];
  private head = 0;
  private count = 0;
  private seq = 0;

  /** Notes that records from `from` on were handed out; returns the hand-out's sequence number. */
  handedOut(pos: PartitionPosition, from: bigint): number {
    const seq = ++this.seq;
    if (this.count === 0) this.head = 0;
    else if (this.head + this.count === this.entries.length && this.head > 0) this.compact();
    const e = this.entries[this.head + this.count];
    if (e === undefined) this.entries.push({ pos, from, seq });
    else {
      e.pos = pos;
      e.from = from;
      e.seq = seq;
    }
    this.count++;
    return seq;
  }

  /** Sequence number of the latest hand-out (0 before any). */
  get latest(): number {
    return this.seq;
  }

  /** Where the latest unfinished hand-out began, for error context. */
  latestStart(): { topic: string; partition: number; offset: bigint } | undefined {
    if (this.count === 0) return undefined;
    const e = this.entries[this.head + this.count - 1]!;
    return { topic: e.pos.topic, partition: e.pos.partition, offset: e.from };
  }

  /** Everything handed out so far is finished. */
  finishAll(): void {
    this.count = 0;
  }

  /** Everything handed out before hand-out `seq` is finished. */
  finishBefore(seq: number): void {
    while (this.count > 0 && this.entries[this.head]!.seq < seq) {
      this.head++;
      this.count--;
    }
  }

  /** Moves the unfinished entries to the front, swapping, so every object stays for reuse. */
  private compact(): void {
    const entries = this.entries;
    for (let i = 0; i < this.count; i++) {
      const live = entries[this.head + i]!;
      entries[this.head + i] = entries[i]!;
      entries[i] = live;
    }
    this.head = 0;
  }

  /** Where a commit of this partition may go: its position, or before its first unfinished record. */
  committable(pos: PartitionPosition): CheckpointPosition {
    let offset = pos.offset;
    for (let i = this.head; i < this.head + this.count; i++) {
      const e = this.entries[i]!;
      if (e.pos === pos && (typeof offset !== 'bigint' || e.from < offset)) offset = e.from;
    }
    return offset;
  }

  /** What a commit of these partitions may write now: resolved positions short of unfinished records. */
  committablePositions(positions: Iterable<PartitionPosition>): CommittedPosition[] {
    const out: CommittedPosition[] = [];
    for (const p of positions) {
      const offset = this.committable(p);
      if (typeof offset === 'bigint') out.push({ topic: p.topic, partition: p.partition, offset });
    }
    return out;
  }
}
