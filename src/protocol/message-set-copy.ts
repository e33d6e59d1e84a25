import { HEADER, int32, MIN_MESSAGE_SIZE } from './message-set-bytes.js';

/** Default chunk: small enough that a kept view pins little, large enough to amortize the copy. */
export const DEFAULT_COPY_CHUNK_BYTES = 16 * 1024;

/**
 * Copies the complete entries of a message set into fresh buffers of at most `chunkBytes` each,
 * whole entries only; an entry larger than that gets a buffer of its own, and a partial
 * trailing entry is left out. Decoding the chunks yields the same messages as decoding `buf`.
 *
 * Why: views into a fetch response keep the whole response alive (every partition the broker
 * returned, up to the fetch size each), so whoever keeps a record's bytes must not hold a view
 * of it. Copying each value costs an allocation and a view per record; copying the set a chunk
 * at a time costs one `set` per chunk, and a kept view then pins at most its chunk.
 *
 * Only entry sizes are read (the set is expected to be verified already), but a size that does
 * not fit ends the walk there instead of reading outside `buf`.
 */
export function copyMessageSetChunks(buf: Buffer, chunkBytes = DEFAULT_COPY_CHUNK_BYTES): Buffer[] {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
    throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  }
  const chunks: Buffer[] = [];
  const end = buf.length;
  let start = 0;
  let pos = 0;
  while (end - pos >= HEADER) {
    const size = int32(buf, pos + 8);
    if (size < MIN_MESSAGE_SIZE || end - pos - HEADER < size) break;
    const next = pos + HEADER + size;
    if (next - start > chunkBytes && pos > start) {
      chunks.push(copyOf(buf, start, pos));
      start = pos;
    }
    pos = next;
  }
  if (pos > start) chunks.push(copyOf(buf, start, pos));
  return chunks;
}

/** Memory of its own (allocUnsafeSlow: not a slice of Node's shared pool), every byte written. */
function copyOf(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafeSlow(end - start);
  out.set(buf.subarray(start, end));
  return out;
}
