import { Kafka08Error } from '../../protocol/errors.js';
import {
  type DecodeMessageSetOptions,
  decodeMessageSet,
  expandMessageSet,
  forEachMessage,
  type Message,
  type MessageVisitor,
  type SplitOffsetVisitor,
  verifyMessageSet,
} from '../../protocol/message-set.js';
import { HEADER } from '../../protocol/message-set-bytes.js';
import {
  type CopiedSpanVisitor,
  type CopiedWalkOptions,
  forEachCopiedMessage,
  forEachCopiedSpan,
} from '../../protocol/message-set-copy.js';
import { outlineMessageSet } from '../../protocol/message-set-outline.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../protocol/message-set-types.js';
import type { FetchBatch } from './delivery-queue.js';
import { innerSoundPrefix } from './inner-prefix.js';

/** A batch as `next()` hands it out: the {@link FetchBatch} fields plus an allocation-light visitor. */
export interface MessageBatch extends FetchBatch {
  /** Messages in the batch (what `messages.length` would say, without building the array). */
  readonly count: number;
  /**
   * Calls `visit` for every message in offset order. Key and value are zero-copy views into the
   * response frame (with the engine's `releaseFrames`, readable until the next `next()`). Builds
   * no Message objects and does not verify CRCs again (that was done before the batch was
   * handed out), so it is the fast way to read a batch.
   */
  forEachMessage(visit: MessageVisitor): void;
  /**
   * `forEachMessage`, with key and value in memory of their own rather than in the response
   * frame: the set is copied into chunks of at most `chunkBytes` (16 KiB by default; a bigger
   * message gets a chunk to itself). A decompressed inner set in at most 4 x `chunkBytes` of
   * memory is memory of its own already and is not copied. The views may be kept: each pins only
   * its chunk (or set). One copy per chunk costs far less than one per value. The offset comes as
   * its two 32-bit words (`joinOffset(hi, lo)` is the bigint), so a reader that does not need it
   * pays nothing for it.
   */
  forEachMessageCopied(visit: SplitOffsetVisitor, chunkBytes?: number): void;
  /**
   * `forEachMessageCopied` with each key and value as a range of its chunk rather than a view:
   * for a reader that cuts the views later, one at a time as it hands records out.
   */
  forEachSpanCopied(visit: CopiedSpanVisitor, chunkBytes?: number): void;
}

/**
 * One partition's message set from a fetch response, kept as bytes while it waits in the queue:
 * per-message objects are what dominated the engine's heap (and GC time), so they are built only
 * for a batch being handed out, and only if `messages` is read.
 *
 * `verify()` must run before hand-out: it checks structure and CRCs (and, for a set holding
 * compressed wrappers, keeps the decompressed inner sets, because checking inner CRCs means
 * decompressing and that should happen once), so that a corrupt set surfaces from `next()` in
 * its place.
 */
export class LazyMessageBatch implements MessageBatch {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: bigint;
  readonly fetchOffset: bigint;
  readonly nextOffset: bigint;
  private readonly set: Buffer;
  private readonly compressed: boolean;
  private decoded: Message[] | undefined;
  /** A compressed set's plain pieces (decompressed inner sets, plain runs), once verified. */
  private expanded: Buffer[] | undefined;
  private counted = -1;
  private expandedSize = 0;
  /** Leading bytes of `set` whose CRCs were checked as the response arrived. */
  private readonly crcChecked: number;
  /** What the set's compressed wrappers may expand to, together. */
  private readonly maxDecompressed: number | undefined;
  /** See `entries()`. */
  private entryOutline: { end: number; nextOffset: bigint }[] | undefined;

  constructor(
    topic: string,
    partition: number,
    set: Buffer,
    fetchOffset: bigint,
    nextOffset: bigint,
    highWatermark: bigint,
    compressed: boolean,
    crcCheckedBytes = 0,
    maxDecompressedBytes?: number,
  ) {
    this.topic = topic;
    this.partition = partition;
    this.set = set;
    this.fetchOffset = fetchOffset;
    this.nextOffset = nextOffset;
    this.highWatermark = highWatermark;
    this.compressed = compressed;
    this.crcChecked = crcCheckedBytes;
    this.maxDecompressed = maxDecompressedBytes;
  }

  /** Throws CorruptError if the set is not sound; afterwards `count` is known. */
  verify(verifyCrc: boolean): void {
    if (this.counted >= 0) return;
    const options = this.options(verifyCrc);
    if (this.compressed) {
      const x = expandMessageSet(this.set, options);
      this.expanded = x.sets;
      this.counted = x.count;
      for (const piece of x.sets) this.expandedSize += piece.length;
    } else {
      this.counted = verifyMessageSet(this.set, options).count;
    }
  }

  /**
   * For a batch whose `verify` threw: its longest run of leading entries that verifies, as a
   * verified batch of its own, or undefined when there is none. With `suspectLast` (offsets that
   * stepped back) the run's last entry is left out as well, since it may be the one that lies.
   * A verdict on entries depends only on them and those before them, so a binary search over
   * entry boundaries finds the run: a dozen verifies of a piece, on the error path only. When
   * the entry after the run is a sound wrapper around a damaged message, the run takes that
   * wrapper's messages in front of the damage too (see `innerSoundPrefix`). Each try of a
   * compressed batch may expand a sixteenth of the decompression budget: a piece holds at most
   * ~10,000 entries, so the search (14 tries at most) and the wrapper's two (its own expansion,
   * then the result's verify) expand no more than one verify may; a run that needs more is cut
   * shorter, never longer.
   */
  soundPrefix(verifyCrc: boolean, suspectLast: boolean): LazyMessageBatch | undefined {
    // One piece per entry: each ends at an entry boundary, with the offset after that entry.
    const entries = this.entries();
    const perTry = this.compressed
      ? Math.floor((this.maxDecompressed ?? DEFAULT_MAX_DECOMPRESSED_BYTES) / 16)
      : this.maxDecompressed;
    const first = (n: number): LazyMessageBatch => this.prefix(entries[n - 1]!, perTry);
    // Invariant: the first `good` entries verify; the first `bad` do not (all of them did not).
    let good = 0;
    let bad = entries.length;
    let found: LazyMessageBatch | undefined;
    while (bad - good > 1) {
      const mid = (good + bad) >> 1;
      const candidate = first(mid);
      if (candidate.sound(verifyCrc)) {
        good = mid;
        found = candidate;
      } else bad = mid;
    }
    // The entry that failed may be a sound wrapper around a damaged message: the messages in
    // front of that one go out too (a step back inside it keeps the rule above instead).
    const start = good === 0 ? 0 : entries[good - 1]!.end;
    const inside =
      suspectLast || good >= entries.length
        ? undefined
        : this.withInnerPrefix(start, entries[good]!.end, verifyCrc, perTry);
    if (inside !== undefined) return inside;
    // A step back: the entry before it or the one at it lies, and a plain entry cannot say which,
    // so both are held back. A wrapper can: its own offset claims its last inner message, whose
    // offset the wrapper's CRC covers; one whose claim is that offset is sound, and the lie is after it.
    const n = suspectLast && !this.claimsItsLast(entries, good - 1, verifyCrc, perTry) ? good - 1 : good;
    if (n <= 0) return undefined;
    if (n === good && found !== undefined) return found;
    const prefix = first(n);
    prefix.verify(verifyCrc);
    return prefix;
  }

  /**
   * This (plain) batch without its first entry when that entry claims more than the run after
   * it, a run that starts at or below the fetch offset (`X, 31, 32, ...` fetched from 31 or 32).
   * A 0.8 broker starts an answer at the first entry claiming at least the fetch offset, so an
   * entry whose offset field was raised (no CRC covers it) comes first in the answer to every
   * fetch offset below its claim, and reading on past its error would meet it again for ever.
   * The run after it says where it really is: in front of an entry claiming at most the fetch
   * offset, so below that offset, and skipped like any entry there. One lie cannot make an honest
   * first entry look so: the second and the third would both have to claim too little.
   */
  withoutRaisedFirst(): LazyMessageBatch | undefined {
    if (this.compressed) return undefined;
    const entries = this.entries();
    if (entries.length < 3) return undefined;
    const [first, second, third] = entries.slice(0, 3).map((e) => e.nextOffset - 1n) as [
      bigint,
      bigint,
      bigint,
    ];
    if (!(second <= this.fetchOffset && second < third && third < first)) return undefined;
    const start = entries[0]!.end;
    return new LazyMessageBatch(
      this.topic,
      this.partition,
      this.set.subarray(start),
      this.fetchOffset,
      this.nextOffset,
      this.highWatermark,
      false,
      Math.max(0, this.crcChecked - start),
      this.maxDecompressed,
    );
  }

  /**
   * Whether the first entry may be an offset field raised above the fetch offset: a plain entry
   * claiming more than that offset (see `withoutRaisedFirst`). A wrapper claims its last
   * message, above the fetch offset as a rule, so its claim says nothing of the kind.
   */
  firstMayBeRaised(): boolean {
    const first = this.entries()[0];
    return (
      first !== undefined && (this.set[HEADER + 5]! & 0x07) === 0 && first.nextOffset - 1n > this.fetchOffset
    );
  }

  /**
   * Where each entry ends and the offset after it, up to a fault; walked once for the error path
   * (`withoutRaisedFirst`, then `soundPrefix`).
   */
  private entries(): { end: number; nextOffset: bigint }[] {
    this.entryOutline ??= outlineMessageSet(this.set, {
      pieceBytes: 1,
      requireRisingOffsets: false,
      cutAtFault: true,
    }).pieces;
    return this.entryOutline;
  }

  /** Whether entry `i` is a wrapper, sound throughout, whose own offset is its last inner message's. */
  private claimsItsLast(
    entries: readonly { end: number; nextOffset: bigint }[],
    i: number,
    verifyCrc: boolean,
    maxDecompressed: number | undefined,
  ): boolean {
    if (!this.compressed || i < 0) return false;
    const start = i === 0 ? 0 : entries[i - 1]!.end;
    const { end, nextOffset } = entries[i]!;
    if (end - start <= HEADER + 5 || (this.set[start + HEADER + 5]! & 0x07) === 0) return false;
    const inner = innerSoundPrefix(this.set, start, end, {
      verifyCrc,
      fetchOffset: this.fetchOffset,
      maxBytes: maxDecompressed ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    });
    return inner !== undefined && inner.nextOffset === nextOffset;
  }

  /** The entries before `start`, then the sound inner messages of the wrapper at [start, end). */
  private withInnerPrefix(
    start: number,
    end: number,
    verifyCrc: boolean,
    maxDecompressed: number | undefined,
  ): LazyMessageBatch | undefined {
    const inner = innerSoundPrefix(this.set, start, end, {
      verifyCrc,
      fetchOffset: this.fetchOffset,
      maxBytes: maxDecompressed ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    });
    if (inner === undefined) return undefined;
    // Messages wholly below the fetch offset would move the position backwards.
    if (inner.nextOffset <= this.fetchOffset) return undefined;
    const batch = new LazyMessageBatch(
      this.topic,
      this.partition,
      Buffer.concat([this.set.subarray(0, start), inner.set]),
      this.fetchOffset,
      inner.nextOffset,
      this.highWatermark,
      true,
      Math.min(this.crcChecked, start),
      maxDecompressed,
    );
    return batch.sound(verifyCrc) ? batch : undefined;
  }

  /** The first entries of this batch, up to the end of `last`. */
  private prefix(
    last: { end: number; nextOffset: bigint },
    maxDecompressed: number | undefined,
  ): LazyMessageBatch {
    const end = last.end;
    return new LazyMessageBatch(
      this.topic,
      this.partition,
      this.set.subarray(0, end),
      this.fetchOffset,
      last.nextOffset,
      this.highWatermark,
      this.compressed,
      Math.min(this.crcChecked, end),
      maxDecompressed,
    );
  }

  private sound(verifyCrc: boolean): boolean {
    try {
      this.verify(verifyCrc);
      return true;
    } catch (err) {
      if (err instanceof Kafka08Error) return false;
      throw err;
    }
  }

  /** Bytes of the plain pieces a verified compressed set was expanded into (0 for a plain set). */
  get expandedBytes(): number {
    return this.expandedSize;
  }

  get count(): number {
    // The engine verifies before hand-out; this only guards a batch read some other way.
    if (this.counted < 0) this.verify(false);
    return this.counted;
  }

  get messages(): Message[] {
    if (this.decoded === undefined) {
      const sets = this.expanded;
      if (sets === undefined) {
        this.decoded = decodeMessageSet(this.set, this.options(false)).messages;
      } else {
        const all: Message[] = [];
        this.forEachMessage((offset, key, value) => {
          all.push({ offset, key, value });
        });
        this.decoded = all;
      }
    }
    return this.decoded;
  }

  forEachMessage(visit: MessageVisitor): void {
    const decoded = this.decoded;
    if (decoded !== undefined) {
      for (let i = 0; i < decoded.length; i++) {
        const m = decoded[i]!;
        visit(m.offset, m.key, m.value);
      }
      return;
    }
    const options = this.options(false);
    const sets = this.expanded;
    if (sets === undefined) {
      forEachMessage(this.set, visit, options);
      return;
    }
    for (const s of sets) forEachMessage(s, visit, options);
  }

  forEachMessageCopied(visit: SplitOffsetVisitor, chunkBytes?: number): void {
    this.walkCopied(forEachCopiedMessage, visit, chunkBytes);
  }

  forEachSpanCopied(visit: CopiedSpanVisitor, chunkBytes?: number): void {
    this.walkCopied(forEachCopiedSpan, visit, chunkBytes);
  }

  /**
   * A copying walk over the set, or over a compressed set's pieces. A piece outside the
   * response's memory is a decompressed inner set, a buffer of its own that only this batch
   * holds: a small one is handed out as it is (`ownMemory`). Plain runs are views into the
   * response, which `releaseFrames` reuses, so they are always copied.
   */
  private walkCopied<V>(
    walk: (set: Buffer, visit: V, options: CopiedWalkOptions) => void,
    visit: V,
    chunkBytes: number | undefined,
  ): void {
    // The copying walk relies on the verify pass for magic and CRCs, and reads plain sets only.
    if (this.counted < 0) this.verify(false);
    const options: CopiedWalkOptions = {
      fetchOffset: this.fetchOffset,
      chunkBytes,
      topic: this.topic,
      partition: this.partition,
    };
    const pieces = this.expanded;
    if (pieces === undefined) {
      walk(this.set, visit, options);
      return;
    }
    const own: CopiedWalkOptions = { ...options, ownMemory: true };
    for (const piece of pieces) walk(piece, visit, piece.buffer === this.set.buffer ? options : own);
  }

  private options(verifyCrc: boolean): DecodeMessageSetOptions {
    return {
      fetchOffset: this.fetchOffset,
      verifyCrc,
      crcCheckedBytes: this.crcChecked,
      ...(this.maxDecompressed === undefined ? {} : { maxDecompressedBytes: this.maxDecompressed }),
      topic: this.topic,
      partition: this.partition,
    };
  }
}
