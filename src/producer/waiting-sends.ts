import { asError } from '../protocol/as-error.js';
import { failSettler, type RecordMetadata, type SendCallback } from './accumulator.js';
import type { CheckedRecord } from './record.js';

/** A send that could not be appended when it was made, and how it is told its outcome. */
export interface WaitingSend {
  /** A copy: the producer reuses the object its sends are checked into. */
  readonly record: CheckedRecord;
  /** max.block.ms after the send was made. */
  readonly deadline: number;
  /** A promise's resolve and reject, or a callback and null (as a batch keeps them). */
  readonly first: ((m: RecordMetadata) => void) | SendCallback;
  readonly second: ((e: Error) => void) | null;
}

/** How the producer lets a waiting send in. Either may throw what refuses the record. */
export interface Admission {
  /** Appends the send now if it has to wait for nothing; false otherwise. */
  tryAdmit(w: WaitingSend): boolean;
  /** Waits for what the send needs (metadata, room in buffer.memory) until its deadline, then appends it. */
  admit(w: WaitingSend): Promise<void>;
}

/**
 * Sends that had to wait (for the topic's metadata, for room in buffer.memory, or behind earlier
 * sends still waiting), kept in call order and let in one after another by a single loop, which
 * waits only when the send at the head has to. A waiting send costs one small object (and its
 * promise, in the promise form), so a caller that overshoots buffer.memory by many records holds
 * little beyond the records themselves, and the backlog clears at about the speed of sending.
 */
export class WaitingSends {
  private items: (WaitingSend | undefined)[] = [];
  private head = 0;
  private running = false;
  private emptied: (() => void)[] = [];
  private readonly admission: Admission;

  constructor(admission: Admission) {
    this.admission = admission;
  }

  /** Sends waiting, the one being let in included. */
  get size(): number {
    return this.items.length - this.head;
  }

  add(w: WaitingSend): void {
    this.items.push(w);
    if (this.running) return;
    this.running = true;
    // Not from inside send(): a refusal found at once must not call a callback synchronously.
    queueMicrotask(() => void this.run());
  }

  /** Resolves once every send waiting now (and any added meanwhile) was let in or refused. */
  whenEmpty(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.emptied.push(resolve));
  }

  private async run(): Promise<void> {
    while (this.head < this.items.length) {
      const w = this.items[this.head]!;
      try {
        if (!this.admission.tryAdmit(w)) await this.admission.admit(w);
      } catch (err) {
        failSettler(w.first, w.second, asError(err));
      }
      this.items[this.head++] = undefined;
      if (this.head > 1024 && 2 * this.head > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
    }
    this.items = [];
    this.head = 0;
    this.running = false;
    const woken = this.emptied;
    this.emptied = [];
    for (const resolve of woken) resolve();
  }
}
