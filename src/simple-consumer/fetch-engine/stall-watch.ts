import type { PartitionStalledEvent } from './events.js';
import type { PartitionState } from './partition-state.js';

/**
 * Empty answers in a row, at one offset below the high watermark, that make a partition stalled.
 * A broker answers an ordinary consumer from a snapshot of its high watermark, so one empty
 * answer below it already says nothing can be read there; three leave room for a broker that
 * reports a newer mark than it read up to.
 */
export const STALL_ANSWERS = 3;

/**
 * Notes an error-free answer to a fetch of `s` at `offset`. Returns the event to emit when this
 * answer makes the partition stalled: the broker keeps answering nothing though its high
 * watermark says records lie ahead. A 0.8 broker does so in front of an entry whose offset
 * field claims the high watermark or more (a damaged log): every record after it is out of
 * reach of every consumer, and without this the reader would only see lag that never shrinks.
 * Reported once per offset; any record, or a new position, starts the count again.
 */
export function noteAnswer(
  s: PartitionState,
  offset: bigint,
  messageSetBytes: number,
  highWatermark: bigint,
): PartitionStalledEvent | undefined {
  if (messageSetBytes > 0 || offset >= highWatermark) {
    s.emptyAnswers = 0;
    return undefined;
  }
  if (s.emptyAt !== offset) {
    s.emptyAt = offset;
    s.emptyAnswers = 0;
  }
  s.emptyAnswers++;
  if (s.emptyAnswers !== STALL_ANSWERS) return undefined;
  return { topic: s.topic, partition: s.partition, offset, highWatermark, emptyAnswers: s.emptyAnswers };
}
