import { CorruptError, ProtocolDecodeError } from '../../protocol/errors.js';
import type { LazyMessageBatch } from './message-batch.js';

/**
 * Verifies a batch for hand-out. A corrupt batch hands out its sound leading records instead
 * (see `soundPrefix`), with the error to raise once they are delivered; with none, `batch` is
 * undefined and only the error is left.
 */
export function verifyForHandOut(
  batch: LazyMessageBatch,
  verifyCrc: boolean,
): { batch: LazyMessageBatch | undefined; failure?: unknown } {
  try {
    batch.verify(verifyCrc);
    return { batch };
  } catch (err) {
    const stepBack = err instanceof CorruptError && err.reason === 'bad-offset';
    const rest = stepBack ? batch.withoutRaisedFirst() : undefined;
    if (rest !== undefined) return verifyForHandOut(rest, verifyCrc);
    const prefix = err instanceof ProtocolDecodeError ? batch.soundPrefix(verifyCrc, stepBack) : undefined;
    if (!stepBack) return { batch: prefix, failure: err };
    const position = prefix?.nextOffset ?? (batch.firstMayBeRaised() ? undefined : batch.fetchOffset);
    return { batch: prefix, failure: position === undefined ? err : notBehind(err, position) };
  }
}

/**
 * A step back names the offset the data claims, which may lie behind the records delivered
 * before it (one flipped bit in an offset field, which no CRC covers, makes 30 claim 5). Reading
 * on from that claim + 1 would hand them out again and meet the same step again, for ever. Such
 * an error names where the partition stands after them instead (the first of the two entries
 * held back), so that reading on from its offset + 1 moves past both; also when this batch
 * delivers nothing and so stands at its fetch offset (the two entries open a fetch's answer or
 * one of its batches). Not when its first entry is a plain one claiming more than that offset:
 * it may be an upward lie, which a 0.8 broker serves first for every fetch offset below the
 * lie, and moving the error's offset to the fetch offset would make each skip lose one sound
 * record.
 */
function notBehind(err: CorruptError, position: bigint): CorruptError {
  if (err.offset !== undefined && err.offset >= position) return err;
  const where = { topic: err.topic, partition: err.partition, offset: position };
  return new CorruptError(err.reason, err.detail, err.position, err.field, where, err.cause);
}
