import * as zlib from 'node:zlib';
import { CorruptError } from '../errors.js';

const FIELD = 'MessageSet[].value(gzip)';

/** gunzip with the output capped at `maxBytes`, so a zip bomb costs at most that much memory. */
export function gzipDecompress(src: Uint8Array, maxBytes: number): Buffer {
  try {
    // maxOutputLength must be at least 1; a 0-byte budget is enforced after the call.
    const out = zlib.gunzipSync(src, { maxOutputLength: Math.max(1, maxBytes) });
    if (out.length > maxBytes)
      throw new CorruptError('too-large', `gzip output exceeds ${maxBytes} bytes`, 0, FIELD);
    return out;
  } catch (cause) {
    if (cause instanceof CorruptError) throw cause;
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
}

export function gzipCompress(data: Uint8Array): Buffer {
  return zlib.gzipSync(data);
}
