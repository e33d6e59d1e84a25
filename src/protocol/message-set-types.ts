// The shapes the message-set passes share with their callers.

export interface Message {
  readonly offset: bigint;
  /** Zero-copy view into the fetch buffer (or the decompressed set); null is distinct from empty. */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export interface DecodeMessageSetOptions {
  /** Verify each message's CRC (outer and inner). Default true. */
  verifyCrc?: boolean;
  /** The offset the fetch asked for: messages below it are dropped. Default: keep everything. */
  fetchOffset?: bigint;
  /** Total decompressed bytes one call may produce, across all wrappers. Default 64 MiB. */
  maxDecompressedBytes?: number;
  /**
   * Leading bytes of the (outer) set known to be whole entries with matching CRCs, e.g. checked
   * as a fetch response arrived: CRCs of outer entries ending within them are not recomputed.
   * Everything else about those entries is still checked.
   */
  crcCheckedBytes?: number;
  /**
   * Offsets must rise through the set: outer entries, the messages inside wrappers, and each
   * wrapper's own offset at or above its messages (a {@link CorruptError} `bad-offset`
   * otherwise). Default true: a fetched set that goes back would move a reader's position
   * backwards. False suits a Produce request's set, whose offsets the broker overwrites
   * (producers number each batch from 0, and may send several batches of a partition at once).
   */
  requireRisingOffsets?: boolean;
  /** Error context only. */
  topic?: string;
  partition?: number;
}

export interface MessageSetSummary {
  /** The set ends in an incomplete entry (normal at the end of a fetch). */
  partialTail: boolean;
  /** Where the next fetch resumes: offset of the last complete outer entry + 1; null if none. */
  nextOffset: bigint | null;
  /**
   * Set only when the set holds no complete entry and the first entry's 12-byte header was
   * complete: that entry's full size in bytes (12 + MessageSize). The fetch size must be at least
   * this for the consumer to make progress.
   */
  firstEntrySize: number | undefined;
  /** Bytes of complete outer entries at the start of the buffer. */
  validBytes: number;
}

export interface DecodedMessageSet extends MessageSetSummary {
  messages: Message[];
}

export type MessageVisitor = (offset: bigint, key: Buffer | null, value: Buffer | null) => void;

/**
 * A visitor given the offset as its two 32-bit words (`offsetHi` signed, `offsetLo` unsigned;
 * `joinOffset` makes the bigint), so a reader that needs no offset per message pays for none.
 */
export type SplitOffsetVisitor = (
  offsetHi: number,
  offsetLo: number,
  key: Buffer | null,
  value: Buffer | null,
) => void;

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
