import { bufferView } from './buffer-view.js';
import { decompress } from './compression/index.js';
import { clearCrcWindow, crc32, crc32InWindow } from './crc32.js';
import { CorruptError, type CorruptReason, Kafka08Error } from './errors.js';
import {
  HEADER,
  int32,
  joinOffset,
  MIN_MESSAGE_SIZE,
  newOffsetMark,
  type OffsetMark,
  offsetNotRising,
  readOffset,
  risesAbove,
  TWO_32,
} from './message-set-bytes.js';
import {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type DecodeMessageSetOptions,
  type MessageSetSummary,
  type MessageVisitor,
} from './message-set-types.js';
import { verifyPlainSet } from './wasm-verify.js';

/**
 * The walk behind every message-set decoder (see message-set.ts for the entry points): magic-0
 * message sets (Kafka 0.8.x), the consumer's hot path.
 *
 * Entry: Offset int64 | MessageSize int32 | Crc uint32 | Magic int8 | Attributes int8 |
 * Key bytes | Value bytes. The CRC covers Magic to the end of Value.
 *
 * - A fetch may end in the middle of an entry; that is normal and reported as `partialTail`.
 * - A compressed wrapper (codec in Attributes) holds a complete inner set whose offsets are
 *   absolute in magic 0. Inner messages below `fetchOffset` are dropped (a fetch landing inside
 *   a wrapper returns the whole wrapper). Nesting deeper than one level is rejected as corrupt:
 *   Kafka never produces it, and refusing it keeps the decompression budget simple.
 * - Everything else wrong raises {@link CorruptError} with the byte position, the field, and the
 *   topic / partition / offset when known. Node's RangeError/TypeError never escape.
 */

export interface ScanState {
  verifyCrc: boolean;
  /** Outer entries ending within this many leading bytes have known-good CRCs. */
  crcChecked: number;
  fetchOffset: bigint | undefined;
  /** Decompressed bytes this call may still produce. */
  budget: number;
  topic: string | undefined;
  partition: number | undefined;
  /** Undefined when only verifying: no key/value views are cut, messages are only counted. */
  visit: MessageVisitor | undefined;
  /** Messages at or above `fetchOffset` seen so far. */
  count: number;
  /** `fetchOffset` as a number when it is a safe integer (offsets compared without a bigint). */
  fetchNumber: number | undefined;
  /**
   * CRCs may use the copied window ({@link crc32InWindow}): true unless a caller's visitor runs
   * between messages, since it could change the bytes after they were copied.
   */
  windowed: boolean;
  /** Set by {@link expandMessageSet}: the plain pieces (outer runs, decompressed sets), in order. */
  sets: Buffer[] | undefined;
  /**
   * The offset of the last message walked, outer or inner: every message must rise above it,
   * and a wrapper's own offset (its last message's, in Kafka's format) must not lie below its
   * inner messages, or the position after the set would fall behind what was delivered.
   * Undefined when the order is not checked (`requireRisingOffsets: false`).
   */
  mark: OffsetMark | undefined;
}

function corrupt(
  st: ScanState,
  reason: CorruptReason,
  message: string,
  position: number,
  field: string,
  offset?: bigint,
  cause?: unknown,
): never {
  throw new CorruptError(
    reason,
    message,
    position,
    field,
    { topic: st.topic, partition: st.partition, offset },
    cause,
  );
}

/** The offset `hi`:`lo` lies below `st.fetchOffset` (set); compared as numbers when both are safe. */
function below(hi: number, lo: number, st: ScanState): boolean {
  if (st.fetchNumber !== undefined && hi >= 0 && hi < 0x200000) return hi * TWO_32 + lo < st.fetchNumber;
  return joinOffset(hi, lo) < st.fetchOffset!;
}

/**
 * Walks the entries of `buf[start, end)`. `inner` is true for a decompressed wrapper value, whose
 * set must be complete and uncompressed. Returns the outer summary (unused for inner sets).
 */
export function scan(
  buf: Buffer,
  start: number,
  end: number,
  st: ScanState,
  inner: boolean,
): MessageSetSummary {
  const field = inner ? 'MessageSet[].value.MessageSet[]' : 'MessageSet[]';
  let pos = start;
  /** Start of the last complete entry; its offset is read once, at the end. */
  let lastPos = -1;
  let partialTail = false;
  let firstEntrySize: number | undefined;
  /** Start of the current run of plain outer entries, when collecting pieces. */
  let runStart = -1;
  if (st.windowed) clearCrcWindow();
  while (pos < end) {
    if (end - pos < HEADER) {
      partialTail = true;
      break;
    }
    const size = int32(buf, pos + 8);
    if (size < MIN_MESSAGE_SIZE) {
      corrupt(
        st,
        'bad-length',
        `MessageSize ${size} is below the minimum ${MIN_MESSAGE_SIZE}`,
        pos + 8,
        `${field}.MessageSize`,
        readOffset(buf, pos),
      );
    }
    if (end - pos - HEADER < size) {
      partialTail = true;
      if (lastPos < 0) firstEntrySize = HEADER + size;
      break;
    }
    const m = pos + HEADER;
    const mEnd = m + size;
    const magic = buf[m + 4]!;
    // Magic is checked before the CRC: newer formats keep their CRC elsewhere, so "wrong format"
    // is the accurate diagnosis for them, not "bad CRC".
    if (magic !== 0) {
      corrupt(
        st,
        'bad-magic',
        `magic byte ${magic}, only 0 is supported`,
        m + 4,
        `${field}.MagicByte`,
        readOffset(buf, pos),
      );
    }
    const codec = buf[m + 5]! & 0x07;
    const hi = int32(buf, pos);
    const lo = int32(buf, pos + 4) >>> 0;
    // A plain message below the fetch offset is skipped, not delivered: its CRC is not checked
    // (as Kafka's Java consumer checks only the records it returns), so that a damaged message
    // inside a wrapper can be skipped by reading on from its offset + 1.
    const skipped = codec === 0 && st.fetchOffset !== undefined && below(hi, lo, st);
    if (st.verifyCrc && (inner || mEnd > st.crcChecked) && !skipped) {
      const stored = int32(buf, m) >>> 0;
      const computed = st.windowed ? crc32InWindow(buf, m + 4, mEnd) : crc32(buf, m + 4, mEnd);
      if (stored !== computed) {
        corrupt(
          st,
          'bad-crc',
          `stored CRC ${stored.toString(16)} != computed ${computed.toString(16)}`,
          m,
          `${field}.Crc`,
          readOffset(buf, pos),
        );
      }
    }
    if (codec > 3) {
      corrupt(
        st,
        'bad-codec',
        `unknown compression codec ${codec}`,
        m + 5,
        `${field}.Attributes`,
        readOffset(buf, pos),
      );
    }
    let p = m + 6;
    const keyLen = int32(buf, p);
    p += 4;
    const views = st.visit !== undefined;
    let key: Buffer | null = null;
    if (keyLen !== -1) {
      // 4 more bytes are always needed for the value length.
      if (keyLen < -1 || keyLen > mEnd - p - 4) {
        corrupt(
          st,
          'bad-length',
          `key length ${keyLen} does not fit the message`,
          p - 4,
          `${field}.Key`,
          readOffset(buf, pos),
        );
      }
      if (views) key = bufferView(buf, p, p + keyLen);
      p += keyLen;
    }
    const valueLen = int32(buf, p);
    p += 4;
    let value: Buffer | null = null;
    if (valueLen !== -1) {
      if (valueLen !== mEnd - p) {
        corrupt(
          st,
          'bad-length',
          `value length ${valueLen} does not end the message (${mEnd - p} bytes left)`,
          p - 4,
          `${field}.Value`,
          readOffset(buf, pos),
        );
      }
      if (views) value = bufferView(buf, p, mEnd);
    } else if (p !== mEnd) {
      corrupt(
        st,
        'bad-length',
        `${mEnd - p} bytes after a null value`,
        p,
        `${field}.Value`,
        readOffset(buf, pos),
      );
    }
    const mark = st.mark;
    if (mark !== undefined) {
      if (!risesAbove(mark, hi, lo)) throw offsetNotRising(mark, hi, lo, pos, `${field}.Offset`, st);
      if (codec === 0) {
        mark.hi = hi;
        mark.lo = lo;
      }
    }
    if (codec === 0) {
      if (views) {
        if (!skipped) {
          st.count++;
          st.visit!(joinOffset(hi, lo), key, value);
        }
      } else if (!skipped) {
        // Verifying only counts: no bigint per message.
        st.count++;
      }
      // Only outer runs are pieces: an inner set is pushed whole by scanInner, and the JS scan
      // also sees inner entries the wasm walk hands back (large or refused ones).
      if (!inner && st.sets !== undefined && runStart < 0) runStart = pos;
      lastPos = pos;
      pos = mEnd;
      continue;
    }
    const offset = joinOffset(hi, lo);
    // A wrapper's value is needed for decompression even when only verifying.
    if (!views && valueLen !== -1) value = buf.subarray(p, mEnd);
    if (inner) {
      // Refused, unless it lies below the fetch offset: skipped then, like any message there.
      if (st.fetchOffset === undefined || !below(hi, lo, st)) {
        corrupt(
          st,
          'bad-codec',
          `nested compression (codec ${codec} inside a compressed set)`,
          m + 5,
          `${field}.Attributes`,
          offset,
        );
      }
      if (mark !== undefined) {
        mark.hi = hi;
        mark.lo = lo;
      }
    } else {
      if (st.sets !== undefined && runStart >= 0) st.sets.push(buf.subarray(runStart, pos));
      runStart = -1;
      unwrap(st, codec as 1 | 2 | 3, value, m, offset);
      if (mark !== undefined) {
        // The inner messages rose from the mark; the wrapper's offset must not lie below them.
        // With CRCs checked, the error names the last inner offset (which the wrapper's CRC
        // covers, unlike its own), so that reading on from it + 1 passes the wrapper in one step;
        // unchecked, that offset may be the damage, and the claim is named.
        if (hi < mark.hi || (hi === mark.hi && lo < mark.lo)) {
          const last = joinOffset(mark.hi, mark.lo);
          corrupt(
            st,
            'bad-offset',
            `wrapper offset ${offset} lies below its last message's ${last}`,
            pos,
            `${field}.Offset`,
            st.verifyCrc ? last : offset,
          );
        }
        mark.hi = hi;
        mark.lo = lo;
      }
    }
    lastPos = pos;
    pos = mEnd;
  }
  if (inner && partialTail) {
    corrupt(st, 'bad-length', 'decompressed message set ends in a partial entry', pos, field);
  }
  if (st.sets !== undefined && runStart >= 0) st.sets.push(buf.subarray(runStart, pos));
  return {
    partialTail,
    nextOffset: lastPos < 0 ? null : readOffset(buf, lastPos) + 1n,
    firstEntrySize,
    validBytes: pos - start,
  };
}

function unwrap(st: ScanState, codec: 1 | 2 | 3, value: Buffer | null, m: number, offset: bigint): void {
  const field = 'MessageSet[].value';
  if (value === null) corrupt(st, 'bad-compression', 'compressed wrapper has a null value', m, field, offset);
  let inner: Buffer;
  try {
    inner = decompress(codec, value, st.budget);
  } catch (cause) {
    const reason = cause instanceof CorruptError ? cause.reason : 'bad-compression';
    const detail = cause instanceof Kafka08Error ? cause.message : 'decompression failed';
    corrupt(st, reason, detail, m, field, offset, cause);
  }
  st.budget -= inner.length;
  try {
    scanInner(inner, st);
  } catch (cause) {
    // Re-anchor the inner position to the wrapper so the error points into the fetch buffer.
    if (cause instanceof CorruptError && cause.position !== m) {
      corrupt(
        st,
        cause.reason,
        `byte ${cause.position} of the decompressed set: ${cause.detail}`,
        m,
        cause.field,
        cause.offset ?? offset,
        cause,
      );
    }
    throw cause;
  }
}

/** A decompressed set: when only verifying, plain entries are walked in wasm (see verifyMessageSet). */
function scanInner(inner: Buffer, st: ScanState): void {
  const fast =
    st.visit === undefined
      ? verifyPlainSet(inner, st.fetchOffset, st.verifyCrc, st.mark, (from, to) =>
          scan(inner, from, to, st, true),
        )
      : undefined;
  if (fast === undefined) scan(inner, 0, inner.length, st, true);
  else st.count += fast.count;
  st.sets?.push(inner);
}

export function state(
  visit: MessageVisitor | undefined,
  options: DecodeMessageSetOptions | undefined,
  windowed = visit === undefined,
): ScanState {
  const fetchOffset = options?.fetchOffset;
  return {
    windowed,
    count: 0,
    fetchNumber:
      fetchOffset !== undefined && fetchOffset >= 0n && fetchOffset <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(fetchOffset)
        : undefined,
    verifyCrc: options?.verifyCrc ?? true,
    crcChecked: options?.crcCheckedBytes ?? 0,
    fetchOffset: options?.fetchOffset,
    budget: options?.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    topic: options?.topic,
    partition: options?.partition,
    visit,
    sets: undefined,
    mark: options?.requireRisingOffsets === false ? undefined : newOffsetMark(),
  };
}
