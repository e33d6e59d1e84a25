import * as zlib from 'node:zlib';
import { CorruptError } from '../errors.js';

const FIELD = 'MessageSet[].value(gzip)';
/** zlib refuses smaller output chunks. */
const MIN_CHUNK = 64;
/** Node's default chunk: a hint up to it is followed whatever the input's size. */
const DEFAULT_CHUNK = 16 * 1024;
/** Output chunk allowed per input byte beyond that: gzip'd Kafka data inflates 3-8x. */
const CHUNK_PER_INPUT_BYTE = 8;

/**
 * The output chunk for `src`. zlib gathers output in chunks of this size and a one-chunk result
 * is a view of its chunk, so Node's fixed 16 KiB made every tiny wrapper hold 16 KiB. The size
 * is the output size the gzip trailer declares (ISIZE, of the last member) plus one, so zlib
 * ends inside the chunk, kept between bounds that follow the input: ISIZE is only a hint, and a
 * false one changes how output is chunked (see the trim in gzipDecompress), never how much.
 */
function chunkFor(src: Uint8Array, maxBytes: number): number {
  const byInput = CHUNK_PER_INPUT_BYTE * src.length;
  // zlib stops one chunk past the budget, so nothing larger is ever useful.
  const cap = maxBytes + 1;
  const most = Math.min(Math.max(byInput, DEFAULT_CHUNK), cap);
  const least = Math.min(byInput, DEFAULT_CHUNK, cap);
  const end = src.length;
  if (end < 18) return Math.max(MIN_CHUNK, most);
  const declared =
    (src[end - 4]! | (src[end - 3]! << 8) | (src[end - 2]! << 16) | (src[end - 1]! << 24)) >>> 0;
  return Math.max(MIN_CHUNK, Math.min(most, Math.max(least, declared + 1)));
}

/**
 * gunzip with the output capped at `maxBytes`, so a zip bomb stops there: zlib checks the cap
 * after every chunk, so at most one chunk more is inflated before the `too-large` error.
 */
export function gzipDecompress(src: Uint8Array, maxBytes: number): Buffer {
  let out: Buffer;
  try {
    // maxOutputLength must be at least 1; a 0-byte budget is enforced after the call.
    out = zlib.gunzipSync(src, {
      maxOutputLength: Math.max(1, maxBytes),
      chunkSize: chunkFor(src, maxBytes),
    });
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CorruptError(
        'too-large',
        `gzip output exceeds ${maxBytes} bytes`,
        0,
        FIELD,
        undefined,
        cause,
      );
    }
    throw new CorruptError('bad-compression', 'malformed gzip stream', 0, FIELD, undefined, cause);
  }
  if (out.length > maxBytes)
    throw new CorruptError('too-large', `gzip output exceeds ${maxBytes} bytes`, 0, FIELD);
  // A result far smaller than the chunk it sits in (a false ISIZE, or several members) is
  // copied out, so callers keeping views into it do not pin the chunk. Pooled chunks are shared.
  if (out.buffer.byteLength > 2 * out.length && out.buffer.byteLength > Buffer.poolSize) {
    const exact = Buffer.allocUnsafe(out.length);
    exact.set(out);
    return exact;
  }
  return out;
}

export function gzipCompress(data: Uint8Array): Buffer {
  return zlib.gzipSync(data);
}
