/**
 * Runs a response frame through the same steps the fetch engine takes (frame split, body
 * decode, outline of each partition's set, verify with CRCs (handing out the records in front
 * of a corrupt entry before its error, as the engine does), copied walk), in-process. The
 * hostile-broker test feeds it hundreds of thousands of mutated frames: the only acceptable
 * outcomes are a result whose offsets rise, or a typed Kafka08Error.
 */

import { type FetchResponse, Kafka08Error, Reader } from '../../src/protocol/index.js';
import { joinOffset } from '../../src/protocol/message-set-bytes.js';
import { outlineMessageSet } from '../../src/protocol/message-set-outline.js';
import { verifyForHandOut } from '../../src/simple-consumer/fetch-engine/hand-out.js';
import { LazyMessageBatch } from '../../src/simple-consumer/fetch-engine/message-batch.js';
import { codecFor } from '../fixtures/protocol/codecs.js';

export type DecodeOutcome = { ok: true; messages: number } | { ok: false; error: Kafka08Error };

/** Same limits as the engine's defaults: 1 MiB fetch size, 64 KiB batches. */
const FETCH_SIZE = 1024 * 1024;
const BATCH_BYTES = 64 * 1024;

export function decodeLikeEngine(api: string, frame: Buffer): DecodeOutcome {
  try {
    if (frame.length < 8) return { ok: true, messages: 0 };
    const body = frame.subarray(8, 4 + Math.max(4, Math.min(frame.length - 4, frame.readInt32BE(0))));
    const decoded = codecFor(api).decodeResponse(new Reader(body));
    if (api !== 'fetch') return { ok: true, messages: 0 };
    let messages = 0;
    for (const t of (decoded as FetchResponse).topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) continue;
        const outline = outlineMessageSet(p.messageSet, {
          topic: t.topic,
          partition: p.partition,
          maxEntryBytes: FETCH_SIZE,
          pieceBytes: BATCH_BYTES,
          cutAtFault: true,
        });
        let from = 0;
        let fetchOffset = 0n;
        let last = -1n;
        for (const piece of outline.pieces) {
          const batch = new LazyMessageBatch(
            t.topic,
            p.partition,
            p.messageSet.subarray(from, piece.end),
            fetchOffset,
            piece.nextOffset,
            p.highWatermark,
            outline.compressed,
          );
          const { batch: handed, failure } = verifyForHandOut(batch, true);
          if (handed === undefined) throw failure;
          handed.forEachMessageCopied((hi, lo) => {
            // What a consumer checkpoints: positions only move forward, and stay within the
            // batch (a set that goes back must be refused, not delivered).
            const offset = joinOffset(hi, lo);
            if (offset <= last || offset < fetchOffset || offset >= handed.nextOffset) {
              throw new Error(
                `offset ${offset} delivered after ${last} in [${fetchOffset}, ${handed.nextOffset})`,
              );
            }
            last = offset;
            messages++;
          });
          // The engine raises a batch's corruption once the records in front of it are out.
          if (failure !== undefined) throw failure;
          from = piece.end;
          fetchOffset = piece.nextOffset;
        }
        // The engine stops the partition after the pieces in front of what the outline refused.
        if (outline.fault !== undefined) throw outline.fault;
      }
    }
    return { ok: true, messages };
  } catch (err) {
    if (err instanceof Kafka08Error) return { ok: false, error: err };
    throw err;
  }
}
