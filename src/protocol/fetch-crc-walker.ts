import { crc32, NATIVE_CRC_THRESHOLD } from './crc32.js';
import { HEADER, int32, MIN_MESSAGE_SIZE } from './message-set-bytes.js';

/*
 * Checks message CRCs of a Fetch v0 response while its frame is still arriving.
 *
 * Why: a consumer waits for one fetch at a time, and while its event loop verified the previous
 * answer the kernel held only part of the next one (the receive window), so the broker stalled and
 * the CRC time added to every round trip. Checked as the bytes land, the CRCs use time otherwise
 * spent waiting for the broker, on bytes still in cache.
 *
 * The walker only ever claims: "the first N bytes of this message set are whole entries whose
 * stored CRC matches". Anything it does not understand (a bad count or size, a partial entry, a
 * CRC mismatch) ends its claim for that set, or for the rest of the frame; the message-set
 * verification at hand-out stays the single judge of errors and skips only the claimed CRCs.
 */

/** Correlation id and topic count. */
const RESPONSE_HEAD = 8;
/** Partition, ErrorCode, HighwaterMarkOffset, MessageSetSize. */
const PARTITION_HEAD = 4 + 2 + 8 + 4;
const NULL_SET = -1;

/**
 * Entries with a Message no larger than this are left to the hand-out walk (wasm, copied windows),
 * which is cheaper for small messages than a JS walk here; the claim stops at the first of them.
 */
export const MIN_CHECKED_MESSAGE = NATIVE_CRC_THRESHOLD;

enum Stage {
  Head,
  Topic,
  Partition,
  Entries,
  Done,
}

/**
 * Fed with a growing prefix of one response frame (byte 0 is the correlation id), it records per
 * message set how many leading bytes have CRC-checked entries. Pure and bounds-checked: it reads
 * only `frame[0, filled)` and never throws on any input.
 */
export class FetchCrcWalker {
  private frame: Buffer | undefined;
  private stage = Stage.Head;
  private pos = 0;
  private topicsLeft = 0;
  private partitionsLeft = 0;
  private setStart = 0;
  private setEnd = 0;
  /** Per message set met so far: its start in the frame and the checked prefix, in pairs. */
  private readonly sets: number[] = [];
  private lookup = 0;
  private readonly minMessage: number;

  constructor(minCheckedMessage = MIN_CHECKED_MESSAGE) {
    this.minMessage = minCheckedMessage;
  }

  /**
   * `frame[0, filled)` has arrived; `frame` holds the whole frame once complete. A different
   * buffer than before starts the walk afresh.
   */
  advance(frame: Buffer, filled: number): void {
    if (frame !== this.frame) this.restart(frame);
    const have = Math.min(filled, frame.length);
    for (;;) {
      switch (this.stage) {
        case Stage.Head:
          if (!this.head(frame, have)) return;
          break;
        case Stage.Topic:
          if (!this.topic(frame, have)) return;
          break;
        case Stage.Partition:
          if (!this.partition(frame, have)) return;
          break;
        case Stage.Entries:
          if (!this.entries(frame, have)) return;
          break;
        default:
          return;
      }
    }
  }

  /** Leading bytes of the message set starting at `setStart` of `frame` whose entries' CRCs matched. */
  checkedBytes(frame: Buffer, setStart: number): number {
    if (frame !== this.frame) return 0;
    const sets = this.sets;
    // Asked in frame order, so the next pair is almost always the one.
    for (let k = 0; k < sets.length; k += 2) {
      const i = (this.lookup + k) % sets.length;
      if (sets[i] === setStart) {
        this.lookup = i + 2;
        return sets[i + 1]!;
      }
    }
    return 0;
  }

  /** Every claim so far as (set start in the frame, checked bytes) pairs, in frame order. */
  get claims(): readonly number[] {
    return this.sets;
  }

  private restart(frame: Buffer): void {
    this.frame = frame;
    this.stage = Stage.Head;
    this.pos = 0;
    this.sets.length = 0;
    this.lookup = 0;
  }

  private head(frame: Buffer, have: number): boolean {
    if (have < RESPONSE_HEAD) return false;
    this.topicsLeft = int32(frame, 4);
    this.pos = RESPONSE_HEAD;
    this.stage = this.topicsLeft >= 0 ? Stage.Topic : Stage.Done;
    return true;
  }

  private topic(frame: Buffer, have: number): boolean {
    if (this.topicsLeft === 0) {
      this.stage = Stage.Done;
      return true;
    }
    const p = this.pos;
    if (have - p < 2) return false;
    const nameLength = (frame[p]! << 8) | frame[p + 1]!;
    if (have - p < 2 + nameLength + 4) return false;
    this.partitionsLeft = int32(frame, p + 2 + nameLength);
    this.pos = p + 2 + nameLength + 4;
    this.topicsLeft--;
    this.stage = this.partitionsLeft >= 0 ? Stage.Partition : Stage.Done;
    return true;
  }

  private partition(frame: Buffer, have: number): boolean {
    if (this.partitionsLeft === 0) {
      this.stage = Stage.Topic;
      return true;
    }
    const p = this.pos;
    if (have - p < PARTITION_HEAD) return false;
    const size = int32(frame, p + PARTITION_HEAD - 4);
    this.pos = p + PARTITION_HEAD;
    this.partitionsLeft--;
    if (size === NULL_SET) return true;
    if (size < 0 || size > frame.length - this.pos) {
      this.stage = Stage.Done;
      return true;
    }
    this.setStart = this.pos;
    this.setEnd = this.pos + size;
    this.sets.push(this.setStart, 0);
    this.stage = Stage.Entries;
    return true;
  }

  /** Checks the complete entries that have arrived; ends the set's claim at anything else. */
  private entries(frame: Buffer, have: number): boolean {
    const end = this.setEnd;
    let p = this.pos;
    let claimed = true;
    while (p < end) {
      if (end - p < HEADER) {
        claimed = false;
        break;
      }
      if (have - p < HEADER) break;
      const size = int32(frame, p + 8);
      if (size < MIN_MESSAGE_SIZE || size <= this.minMessage || size > end - p - HEADER) {
        claimed = false;
        break;
      }
      const entryEnd = p + HEADER + size;
      if (entryEnd > have) break;
      if (crc32(frame, p + HEADER + 4, entryEnd) !== int32(frame, p + HEADER) >>> 0) {
        claimed = false;
        break;
      }
      p = entryEnd;
      this.sets[this.sets.length - 1] = p - this.setStart;
    }
    if (p < end && claimed) {
      this.pos = p;
      return false;
    }
    // The set is done (or its claim ended): the next partition header follows it.
    this.pos = end;
    this.stage = Stage.Partition;
    return true;
  }
}
