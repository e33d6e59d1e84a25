import { bufferView } from './buffer-view.js';
import { CorruptError } from './errors.js';
import { HEADER, int32, joinOffset, MIN_MESSAGE_SIZE, splitOffset } from './message-set-bytes.js';
import type { SplitOffsetVisitor } from './message-set-types.js';

/** Default chunk: small enough that a kept view pins little, large enough to amortize the copy. */
export const DEFAULT_COPY_CHUNK_BYTES = 16 * 1024;
/**
 * A set of its own (`ownMemory`) in memory of at most this many chunks is not copied: a kept view
 * then pins up to 4 x `chunkBytes` (64 KiB), a typical 0.8 wrapper of 200 small records whole.
 */
const OWN_MEMORY_CHUNKS = 4;

export interface CopiedWalkOptions {
  /** Messages below this offset are not visited (a fetch inside a compressed wrapper). */
  fetchOffset?: bigint;
  /** Most bytes one chunk holds, unless a single entry is bigger. Default 16 KiB. */
  chunkBytes?: number;
  /**
   * `set` is memory of its own that nothing writes to again (a decompressed inner set): when that
   * memory is at most 4 x `chunkBytes`, the views are cut from it as it is, with no copy. A kept
   * view then pins that memory, as it would pin a chunk.
   */
  ownMemory?: boolean;
  /** Error context only. */
  topic?: string;
  partition?: number;
}

/**
 * Visits the messages of a plain (uncompressed) message set that was verified before, with key
 * and value in fresh memory instead of views into `set`: the set is copied a chunk at a time and
 * the views are cut from the chunks. A kept view pins its chunk, at most `chunkBytes` (or its own
 * entry, when that is bigger; or a set of its own, see `ownMemory`), never the fetch response,
 * which holds every partition the broker answered for. One copy per chunk costs far less than one
 * per value.
 *
 * Why one walk: copying the set into chunks first and decoding the chunks afterwards read every
 * header twice and re-checked what the verify pass had checked. Here a chunk is copied starting
 * at an entry and walked once; the first entry that does not fit starts the next chunk (the bytes
 * of it already copied are wasted, so a chunk whose first entry is large is cut to whole entries
 * up front instead). A partial trailing entry is not visited, as in a decode.
 *
 * The walk checks what its own reads depend on (sizes, key and value lengths, plain codec); what
 * it does not check (magic, CRC) was checked by the verify pass, and the copy holds the same bytes.
 * A structure the verify pass would have refused raises {@link CorruptError}; a size that does
 * not fit ends the walk there instead of reading outside `set`.
 */
export function forEachCopiedMessage(
  set: Buffer,
  visit: SplitOffsetVisitor,
  options: CopiedWalkOptions = {},
): void {
  forEachCopiedSpan(
    set,
    (hi, lo, chunk, keyStart, keyEnd, valueStart, valueEnd) =>
      visit(
        hi,
        lo,
        keyStart < 0 ? null : bufferView(chunk, keyStart, keyEnd),
        valueStart < 0 ? null : bufferView(chunk, valueStart, valueEnd),
      ),
    options,
  );
}

/**
 * One message of a copied walk, its key and value as ranges of `chunk` (a start of -1: null).
 * For readers that cut the views later, one at a time: a view not yet made is nothing for the
 * garbage collector to move.
 */
export type CopiedSpanVisitor = (
  hi: number,
  lo: number,
  chunk: Buffer,
  keyStart: number,
  keyEnd: number,
  valueStart: number,
  valueEnd: number,
) => void;

/** {@link forEachCopiedMessage} with ranges of the chunks instead of views. */
export function forEachCopiedSpan(
  set: Buffer,
  visit: CopiedSpanVisitor,
  options: CopiedWalkOptions = {},
): void {
  const chunkBytes = options.chunkBytes ?? DEFAULT_COPY_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
    throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  }
  // Below every int64: visit everything.
  const [fromHi, fromLo] =
    options.fetchOffset === undefined ? [-0x80000000, 0] : splitOffset(options.fetchOffset);
  if (options.ownMemory === true && set.buffer.byteLength <= OWN_MEMORY_CHUNKS * chunkBytes) {
    walkChunk(set, 0, fromHi, fromLo, visit, options);
    return;
  }
  const end = set.length;
  let pos = 0;
  while (end - pos >= HEADER) {
    const first = int32(set, pos + 8);
    if (first < MIN_MESSAGE_SIZE || end - pos - HEADER < first) return;
    const length = chunkLength(set, pos, HEADER + first, chunkBytes);
    const chunk = Buffer.allocUnsafeSlow(length);
    chunk.set(set.subarray(pos, pos + length));
    pos += walkChunk(chunk, pos, fromHi, fromLo, visit, options);
  }
}

/** Bytes to copy for a chunk starting at `pos`, whose first entry is `firstBytes` long. */
function chunkLength(set: Buffer, pos: number, firstBytes: number, chunkBytes: number): number {
  if (firstBytes >= chunkBytes) return firstBytes;
  const rest = set.length - pos;
  const limit = Math.min(chunkBytes, rest);
  // Small entries: a fixed chunk wastes less than one entry, far less than a header walk costs.
  if (firstBytes <= chunkBytes >> 3) return limit;
  let length = firstBytes;
  while (rest - length >= HEADER) {
    const size = int32(set, pos + length + 8);
    if (size < MIN_MESSAGE_SIZE || length + HEADER + size > limit) break;
    length += HEADER + size;
  }
  return length;
}

/**
 * Visits the whole entries at the start of `chunk` (a copy of the set from `base`); returns the
 * bytes they take. The first entry is always whole, so every call makes progress.
 */
function walkChunk(
  chunk: Buffer,
  base: number,
  fromHi: number,
  fromLo: number,
  visit: CopiedSpanVisitor,
  options: CopiedWalkOptions,
): number {
  const length = chunk.length;
  let p = 0;
  while (length - p >= HEADER) {
    const size = int32(chunk, p + 8);
    if (size < MIN_MESSAGE_SIZE || length - p - HEADER < size) break;
    const mEnd = p + HEADER + size;
    const hi = int32(chunk, p);
    const lo = int32(chunk, p + 4) >>> 0;
    if ((chunk[p + 17]! & 0x07) !== 0) {
      refuse(options, 'bad-codec', 'a compressed wrapper in a set that must be plain', base + p + 17, hi, lo);
    }
    let q = p + 18;
    const keyLen = int32(chunk, q);
    q += 4;
    let keyStart = -1;
    if (keyLen !== -1) {
      if (keyLen < 0 || keyLen > mEnd - q - 4) {
        refuse(options, 'bad-length', `key length ${keyLen} does not fit the message`, base + q - 4, hi, lo);
      }
      keyStart = q;
      q += keyLen;
    }
    const keyEnd = q;
    const valueLen = int32(chunk, q);
    q += 4;
    if (valueLen === -1 ? q !== mEnd : valueLen !== mEnd - q) {
      refuse(
        options,
        'bad-length',
        `value length ${valueLen} does not end the message`,
        base + q - 4,
        hi,
        lo,
      );
    }
    if (hi > fromHi || (hi === fromHi && lo >= fromLo)) {
      visit(hi, lo, chunk, keyStart, keyEnd, valueLen === -1 ? -1 : q, mEnd);
    }
    p = mEnd;
  }
  return p;
}

/** What the verify pass would have refused: the caller skipped it (or passed a compressed set). */
function refuse(
  options: CopiedWalkOptions,
  reason: 'bad-codec' | 'bad-length',
  what: string,
  position: number,
  hi: number,
  lo: number,
): never {
  throw new CorruptError(
    reason,
    `${what} (a set must be verified, and decompressed, before it is copied)`,
    position,
    'MessageSet[]',
    { topic: options.topic, partition: options.partition, offset: joinOffset(hi, lo) },
  );
}
