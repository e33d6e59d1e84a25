import { scan, state } from './message-set-scan.js';
import type {
  DecodedMessageSet,
  DecodeMessageSetOptions,
  Message,
  MessageSetSummary,
  MessageVisitor,
} from './message-set-types.js';
import { verifyPlainSet } from './wasm-verify.js';

export * from './message-set-types.js';

// The message-set decoders, each one walk (message-set-scan.ts) in a different mode: visiting
// views, collecting messages, only verifying (plain entries in wasm), or expanding wrappers.

/**
 * Calls `visit` for every message of the set in order, without building a message array; the
 * throughput form of {@link decodeMessageSet}. Key and value are zero-copy views.
 */
export function forEachMessage(
  buf: Buffer,
  visit: MessageVisitor,
  options?: DecodeMessageSetOptions,
): MessageSetSummary {
  return scan(buf, 0, buf.length, state(visit, options), false);
}

/** Our own visitor only stores what it is given, so the copied CRC window stays valid. */
function collect(
  buf: Buffer,
  messages: Message[],
  options: DecodeMessageSetOptions | undefined,
): MessageSetSummary {
  const visit: MessageVisitor = (offset, key, value) => {
    messages.push({ offset, key, value });
  };
  return scan(buf, 0, buf.length, state(visit, options, true), false);
}

/**
 * Decodes one partition's MessageSet bytes (as found in a Fetch v0 response) into messages.
 * Throws only {@link CorruptError}; a partial trailing entry is reported, not thrown.
 */
export function decodeMessageSet(buf: Buffer, options?: DecodeMessageSetOptions): DecodedMessageSet {
  const messages: Message[] = [];
  const summary = collect(buf, messages, options);
  return { messages, ...summary };
}

/**
 * Checks a set the way {@link forEachMessage} would (structure, magic, codecs, CRCs when asked,
 * inner sets of wrappers) without cutting key/value views, and counts the messages at or above
 * `fetchOffset`. Throws only {@link CorruptError}. Lets a consumer validate a set when it is
 * handed out and visit it later without paying for the CRCs twice.
 */
export function verifyMessageSet(
  buf: Buffer,
  options?: DecodeMessageSetOptions,
): MessageSetSummary & { count: number } {
  const st = state(undefined, options);
  // Plain entries are walked in wasm; the scan below judges only what the walk refuses.
  const fast = verifyPlainSet(buf, st.fetchOffset, st.verifyCrc, st.mark, (from, to) =>
    scan(buf, from, to, st, false),
  );
  if (fast !== undefined) return { ...fast.summary, count: st.count + fast.count };
  const summary = scan(buf, 0, buf.length, st, false);
  return { ...summary, count: st.count };
}

/**
 * {@link verifyMessageSet} for a set holding compressed wrappers, which also returns its messages
 * as plain sets: each wrapper's decompressed inner set, and runs of plain outer entries. Visiting
 * those with {@link forEachMessage} (same `fetchOffset`, `verifyCrc: false`) yields exactly the
 * messages of the original set, without decompressing again. Lets a consumer check a compressed
 * batch when it is handed out without building a Message object per record.
 */
export function expandMessageSet(
  buf: Buffer,
  options?: DecodeMessageSetOptions,
): MessageSetSummary & { count: number; sets: Buffer[] } {
  const st = state(undefined, options);
  const sets: Buffer[] = [];
  st.sets = sets;
  const summary = scan(buf, 0, buf.length, st, false);
  return { ...summary, count: st.count, sets };
}
