import { crc32 } from '../../../src/protocol/crc32.js';

/** Builds one raw entry by hand so tests can put anything (wrong magic, codec, lengths) in it. */
export function rawEntry(opts: {
  offset?: bigint;
  magic?: number;
  attributes?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  /** Override the CRC; default is the correct one. */
  crc?: number;
}): Buffer {
  const key = opts.key ?? null;
  const value = opts.value === undefined ? Buffer.from('v') : opts.value;
  const body = Buffer.alloc(2 + 4 + (key?.length ?? 0) + 4 + (value?.length ?? 0));
  body[0] = opts.magic ?? 0;
  body[1] = opts.attributes ?? 0;
  let p = 2;
  body.writeInt32BE(key === null ? -1 : key.length, p);
  p += 4;
  if (key) p += key.copy(body, p);
  body.writeInt32BE(value === null ? -1 : value.length, p);
  p += 4;
  if (value) value.copy(body, p);
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(opts.offset ?? 0n, 0);
  head.writeInt32BE(4 + body.length, 8);
  head.writeUInt32BE(opts.crc ?? crc32(body), 12);
  return Buffer.concat([head, body]);
}

/** Re-computes the CRC of the entry starting at `at` (after a test edited its body). */
export function fixCrc(buf: Buffer, at = 0): Buffer {
  const size = buf.readInt32BE(at + 8);
  buf.writeUInt32BE(crc32(buf, at + 16, at + 12 + size), at + 12);
  return buf;
}
