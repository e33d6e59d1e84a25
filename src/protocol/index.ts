export * from './api-versions.js';
export { Codec } from './compression/index.js';
export * from './consumer-metadata.js';
export { crc32 } from './crc32.js';
export * from './error-codes.js';
export * from './errors.js';
export * from './fetch.js';
export * from './message-set.js';
export { joinOffset, splitOffset } from './message-set-bytes.js';
export * from './message-set-copy.js';
// The entry writer and wrapper encoder are the producer's; the public encoder is encodeMessageSet.
export {
  type EncodeMessageSetOptions,
  encodeMessageSet,
  type MessageToEncode,
} from './message-set-encode.js';
export * from './message-set-outline.js';
export * from './metadata.js';
export * from './offset-commit.js';
export * from './offset-fetch.js';
export * from './offsets.js';
export * from './produce.js';
export * from './reader.js';
export * from './request.js';
export * from './writer.js';
