import { joinOffset } from '../protocol/message-set-bytes.js';
import type { MessageBatch } from '../simple-consumer/fetch-engine/index.js';

const TWO_32 = 2 ** 32;
/** Offsets whose high word is below this are exact as numbers (below 2^53). */
const SAFE_HI = 0x200000;

/**
 * A batch walked once for the record-at-a-time forms: per record its key and value (copied out
 * of the response, see `forEachMessageCopied`), its offset and its size, in flat arrays. The
 * schema is not run here but as each record is handed out, so a schema's result (a parsed
 * document, a string) lives only as long as the application keeps it, and a failing or ending
 * record is met at its turn, exactly as when records were read one by one. No Message object
 * and, while offsets fit in a double (always, short of 2^53), no bigint is made per record.
 * A reader keeps one and decodes each batch into it when it starts handing the batch out.
 */
export class DecodedRecords {
  readonly values: (Buffer | null)[] = [];
  /** Filled only for keyed schemas. */
  readonly keys: (Buffer | null)[] = [];
  /**
   * Per record its offset (as a number) and its key plus value bytes. One array per reader,
   * reused from batch to batch rather than a fresh off-heap buffer per batch.
   */
  private meta = new Float64Array(2);
  /** False once an offset did not fit in a double; `bigOffsets` then holds every offset. */
  numeric = true;
  bigOffsets: bigint[] | undefined;
  private withKeys = false;

  get length(): number {
    return this.values.length;
  }

  /** Offset of record `i`, exact while `numeric`. */
  offsetNumber(i: number): number {
    return this.meta[2 * i]!;
  }

  size(i: number): number {
    return this.meta[2 * i + 1]!;
  }

  /** Walks `batch` into this, replacing what the previous batch left. */
  decode(batch: MessageBatch, withKeys: boolean): void {
    this.values.length = 0;
    this.keys.length = 0;
    this.numeric = true;
    this.bigOffsets = undefined;
    this.withKeys = withKeys;
    if (this.meta.length < 2 * batch.count) this.meta = new Float64Array(2 * batch.count);
    batch.forEachMessageCopied((hi, lo, key, value) => this.add(hi, lo, key, value));
  }

  private add(hi: number, lo: number, key: Buffer | null, value: Buffer | null): void {
    const i = this.values.length;
    this.values.push(value);
    if (this.withKeys) this.keys.push(key);
    if (2 * i + 2 > this.meta.length) {
      const grown = new Float64Array(2 * this.meta.length);
      grown.set(this.meta);
      this.meta = grown;
    }
    this.meta[2 * i] = hi * TWO_32 + lo;
    this.meta[2 * i + 1] = (key?.length ?? 0) + (value?.length ?? 0);
    if (this.numeric && (hi < 0 || hi >= SAFE_HI)) {
      this.numeric = false;
      this.bigOffsets = [];
      for (let k = 0; k < i; k++) this.bigOffsets.push(BigInt(this.meta[2 * k]!));
    }
    this.bigOffsets?.push(joinOffset(hi, lo));
  }
}
