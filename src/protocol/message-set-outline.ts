import { CorruptError } from './errors.js';
import type { DecodeMessageSetOptions, MessageSetSummary } from './message-set.js';
import {
  HEADER,
  int32,
  MIN_MESSAGE_SIZE,
  offsetNotRising,
  readOffset,
  risesAbove,
} from './message-set-bytes.js';

export interface MessageSetOutline extends MessageSetSummary {
  /** Some complete outer entry is a compressed wrapper. */
  compressed: boolean;
  /** Complete outer entries (the `validBytes`). */
  entries: number;
  /**
   * With `pieceBytes`: the complete entries cut into consecutive runs of about that many bytes
   * (whole entries; a run ends at the first entry boundary at or past the size), each with its
   * end position and the offset after its last entry. Covers `[0, validBytes)`.
   */
  pieces: { end: number; nextOffset: bigint }[];
  /**
   * With `cutAtFault`: the error of the first entry whose MessageSize is below the minimum. The
   * outline then ends in front of that entry, as if the set ended there: what precedes is
   * outlined as usual.
   */
  fault?: CorruptError;
}

/**
 * Walks only the outer entry headers (offset and size, plus the codec of complete entries):
 * where the next fetch starts, whether the set ends in a partial entry, whether anything is
 * compressed. Nothing is verified beyond the sizes (a MessageSize below the minimum throws
 * {@link CorruptError}, as in a full decode) and the order of offsets where pieces meet: each
 * piece is verified on its own when it is handed out (CRCs, contents, offsets rising within
 * it), so only here can a step back from one piece to the next be seen. It throws; with
 * `cutAtFault` the two pieces become one instead (see below), and a size below the minimum
 * comes back as `fault`, after the pieces in front of that entry.
 */
export function outlineMessageSet(
  buf: Buffer,
  options?: DecodeMessageSetOptions & {
    /**
     * Entries larger than this (header included) end the walk as if cut off there: the first
     * one is reported like a partial first entry (`firstEntrySize`), so that a reader asking
     * for more bytes than its fetch size sees an oversized message exactly as a reader that
     * asked for its fetch size would.
     */
    maxEntryBytes?: number;
    /** Cut the set into runs of about this many bytes (see `pieces`); default: one run. */
    pieceBytes?: number;
    /**
     * Report a corrupt entry as `fault` and outline what precedes it, instead of throwing: a
     * reader can then hand out every piece before the corruption and stop exactly at it. An
     * offset that steps back where two pieces meet joins them instead, so that the piece's own
     * check at hand-out sees the step and judges it as it judges one inside a piece.
     */
    cutAtFault?: boolean;
  },
): MessageSetOutline {
  const maxEntry = options?.maxEntryBytes ?? Number.POSITIVE_INFINITY;
  const pieceBytes = options?.pieceBytes ?? Number.POSITIVE_INFINITY;
  const pieces: { end: number; nextOffset: bigint }[] = [];
  let pieceStart = 0;
  const end = buf.length;
  let pos = 0;
  let last = -1;
  let compressed = false;
  let partialTail = false;
  let firstEntrySize: number | undefined;
  let entries = 0;
  /** The entry that ended the last piece: the next one must rise above its offset. */
  let pieceLast = -1;
  /** Entries still to join the current piece before it may end (after two pieces were joined). */
  let holdCut = 0;
  let fault: CorruptError | undefined;
  while (pos < end) {
    if (end - pos < HEADER) {
      partialTail = true;
      break;
    }
    const size = int32(buf, pos + 8);
    if (size < MIN_MESSAGE_SIZE) {
      fault = new CorruptError(
        'bad-length',
        `MessageSize ${size} is below the minimum ${MIN_MESSAGE_SIZE}`,
        pos + 8,
        'MessageSet[].MessageSize',
        { topic: options?.topic, partition: options?.partition, offset: readOffset(buf, pos) },
      );
      break;
    }
    if (end - pos - HEADER < size || HEADER + size > maxEntry) {
      partialTail = true;
      if (last < 0) firstEntrySize = HEADER + size;
      break;
    }
    if (pieceLast >= 0 && options?.requireRisingOffsets !== false) {
      const mark = { hi: int32(buf, pieceLast), lo: int32(buf, pieceLast + 4) >>> 0 };
      const hi = int32(buf, pos);
      const lo = int32(buf, pos + 4) >>> 0;
      if (!risesAbove(mark, hi, lo)) {
        if (options?.cutAtFault !== true) {
          const context = { topic: options?.topic, partition: options?.partition };
          throw offsetNotRising(mark, hi, lo, pos, 'MessageSet[].Offset', context);
        }
        // The piece's check then holds back what it holds back for a step inside a piece (the
        // entry before the step too, as either may lie), names the offset a reader can go on
        // from, and reads an entry claiming too much, served first, for what follows it says.
        // That last rule looks at the two entries after such an entry: they join the piece
        // before it may end.
        pieces.pop();
        pieceStart = pieces.length > 0 ? pieces[pieces.length - 1]!.end : 0;
        holdCut = 2;
      }
      pieceLast = -1;
    }
    if ((buf[pos + HEADER + 5]! & 0x07) !== 0) compressed = true;
    last = pos;
    entries++;
    pos += HEADER + size;
    if (holdCut > 0) holdCut--;
    if (pos - pieceStart >= pieceBytes && holdCut === 0) {
      pieces.push({ end: pos, nextOffset: readOffset(buf, last) + 1n });
      pieceStart = pos;
      pieceLast = last;
    }
  }
  if (fault !== undefined && options?.cutAtFault !== true) throw fault;
  if (last >= 0 && pieceStart < pos) pieces.push({ end: pos, nextOffset: readOffset(buf, last) + 1n });
  return {
    partialTail,
    nextOffset: last < 0 ? null : readOffset(buf, last) + 1n,
    firstEntrySize,
    validBytes: pos,
    compressed,
    entries,
    pieces,
    ...(fault === undefined ? {} : { fault }),
  };
}
