import { gzipCompress, gzipDecompress } from './gzip.js';
import { lz4FrameCompress, lz4FrameDecompress } from './lz4-frame.js';
import { snappyCompress, snappyDecompress } from './snappy.js';

/** Compression codecs of Kafka 0.8 (`attributes & 0x07`); LZ4 needs a 0.8.2 broker. */
export const Codec = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3 } as const;
export type Codec = (typeof Codec)[keyof typeof Codec];

/** Decompresses a wrapper's value, never producing more than `maxBytes`; throws CorruptError. */
export function decompress(codec: 1 | 2 | 3, src: Uint8Array, maxBytes: number): Buffer {
  if (codec === 1) return gzipDecompress(src, maxBytes);
  if (codec === 2) return snappyDecompress(src, maxBytes);
  return lz4FrameDecompress(src, maxBytes);
}

/** Compresses an inner message set with the framing a 0.8.2 broker (and Java consumer) expects. */
export function compress(codec: 1 | 2 | 3, data: Uint8Array): Buffer {
  if (codec === 1) return gzipCompress(data);
  if (codec === 2) return snappyCompress(data);
  return lz4FrameCompress(data);
}

export { isXerialFramed, snappyCompressRaw } from './snappy.js';
