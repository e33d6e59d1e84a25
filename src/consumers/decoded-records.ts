import { memoryView } from '../protocol/buffer-view.js';
import { joinOffset } from '../protocol/message-set-bytes.js';
import type { CopiedSpanVisitor } from '../protocol/message-set-copy.js';
import type { MessageBatch } from '../simple-consumer/fetch-engine/index.js';

const TWO_32 = 2 ** 32;
/** Offsets whose high word is below this are exact as numbers (below 2^53). */
const SAFE_HI = 0x200000;
/** Per record in `spans`: its chunk's index, then key start and end, then value start and end. */
const SPAN = 5;

/**
 * A batch walked once for the record-at-a-time forms: its keys and values copied out of the
 * response (see `forEachSpanCopied`), and per record where they lie in the copies, its offset
 * and its size, in flat arrays. The schema is not run here but as each record is handed out, so a
 * schema's result (a parsed document, a string) lives only as long as the application keeps it,
 * and a failing or ending record is met at its turn, exactly as when records were read one by one.
 *
 * The key and value views are cut as each record is handed out, not all at once: a batch of
 * thousands of views waiting to be handed out was what every scavenge of the young generation
 * had to copy (and, past two of them, promote), and the record-at-a-time forms, which make
 * garbage per record, scavenge often. No Message object and, while offsets fit in a double
 * (always, short of 2^53), no bigint is made per record. A reader keeps one and decodes each
 * batch into it when it starts handing the batch out.
 */
export class DecodedRecords {
  /** The memory of the copies the current batch's keys and values lie in. */
  private readonly chunks: ArrayBufferLike[] = [];
  /** The last chunk added, as the walk gave it. */
  private lastChunk: Buffer | undefined;
  private spans = new Int32Array(SPAN);
  /** Per record its offset as a number (exact while `numeric`). */
  private offsets = new Float64Array(1);
  private count = 0;
  /** False once an offset did not fit in a double; `bigOffsets` then holds every offset. */
  numeric = true;
  bigOffsets: bigint[] | undefined;

  get length(): number {
    return this.count;
  }

  /** Offset of record `i`, exact while `numeric`. */
  offsetNumber(i: number): number {
    return this.offsets[i]!;
  }

  /** Record `i`'s value, a new view of its copy each call. */
  value(i: number): Buffer | null {
    const at = SPAN * i;
    const start = this.spans[at + 3]!;
    return start < 0 ? null : memoryView(this.chunks[this.spans[at]!]!, start, this.spans[at + 4]! - start);
  }

  /** Record `i`'s key, a new view of its copy each call. */
  key(i: number): Buffer | null {
    const at = SPAN * i;
    const start = this.spans[at + 1]!;
    return start < 0 ? null : memoryView(this.chunks[this.spans[at]!]!, start, this.spans[at + 2]! - start);
  }

  /** Key plus value bytes of record `i`. */
  size(i: number): number {
    const s = this.spans;
    const at = SPAN * i;
    return (s[at + 1]! < 0 ? 0 : s[at + 2]! - s[at + 1]!) + (s[at + 3]! < 0 ? 0 : s[at + 4]! - s[at + 3]!);
  }

  /** Walks `batch` into this, replacing what the previous batch left. */
  decode(batch: MessageBatch): void {
    this.chunks.length = 0;
    this.lastChunk = undefined;
    this.count = 0;
    this.numeric = true;
    this.bigOffsets = undefined;
    // One array of each per reader, reused from batch to batch, grown when a batch needs more.
    if (this.offsets.length < batch.count) {
      this.offsets = new Float64Array(batch.count);
      this.spans = new Int32Array(SPAN * batch.count);
    }
    batch.forEachSpanCopied(this.add);
  }

  /** The walk's visitor, made once per reader. */
  private readonly add: CopiedSpanVisitor = (hi, lo, chunk, keyStart, keyEnd, valueStart, valueEnd) => {
    const i = this.count++;
    if (i === this.offsets.length) this.grow();
    const chunks = this.chunks;
    if (chunk !== this.lastChunk) {
      this.lastChunk = chunk;
      chunks.push(chunk.buffer);
    }
    // Ranges of the chunk's memory: a view is then made from them alone.
    const base = chunk.byteOffset;
    const s = this.spans;
    const at = SPAN * i;
    s[at] = chunks.length - 1;
    s[at + 1] = keyStart < 0 ? -1 : base + keyStart;
    s[at + 2] = base + keyEnd;
    s[at + 3] = valueStart < 0 ? -1 : base + valueStart;
    s[at + 4] = base + valueEnd;
    this.offsets[i] = hi * TWO_32 + lo;
    if (this.numeric && (hi < 0 || hi >= SAFE_HI)) {
      this.numeric = false;
      this.bigOffsets = [];
      for (let k = 0; k < i; k++) this.bigOffsets.push(BigInt(this.offsets[k]!));
    }
    this.bigOffsets?.push(joinOffset(hi, lo));
  };

  /** Should a walk visit more records than `batch.count` said. */
  private grow(): void {
    const offsets = new Float64Array(2 * this.offsets.length);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const spans = new Int32Array(2 * this.spans.length);
    spans.set(this.spans);
    this.spans = spans;
  }
}
