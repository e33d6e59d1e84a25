import { MessageTooLargeError } from './errors.js';

/**
 * What to do after a fetch that returned no complete entry but a partial one: the first message
 * at `offset` is bigger than `currentBytes`. A Kafka 0.8 broker sends only the first MaxBytes of
 * such a message, with no error, so retrying unchanged would stall forever.
 *
 * Returns the next fetch size: straight to the entry's size when its header arrived, double
 * otherwise, never above `maxBytes`. Throws MessageTooLargeError when even `maxBytes` cannot hold
 * it: the offset is never skipped.
 */
export function grownFetchSize(
  where: { topic: string; partition: number; offset: bigint },
  currentBytes: number,
  firstEntrySize: number | undefined,
  maxBytes: number,
): number {
  const tooLarge = (): MessageTooLargeError =>
    new MessageTooLargeError(where.topic, where.partition, where.offset, firstEntrySize, maxBytes);
  if (firstEntrySize !== undefined) {
    if (firstEntrySize > maxBytes) throw tooLarge();
    // The header said how much is needed; a size at or below the current one would mean the
    // broker cut short for another reason, so at least double to keep making progress.
    return firstEntrySize > currentBytes ? firstEntrySize : Math.min(maxBytes, currentBytes * 2);
  }
  if (currentBytes >= maxBytes) throw tooLarge();
  return Math.min(maxBytes, currentBytes * 2);
}
