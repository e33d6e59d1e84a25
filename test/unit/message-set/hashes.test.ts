import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { xxh32 } from '../../../src/protocol/compression/xxhash32.js';
import { crc32, crc32Js, NATIVE_CRC_THRESHOLD } from '../../../src/protocol/crc32.js';

describe('xxh32', () => {
  it('matches the published test vectors', () => {
    expect(xxh32(Buffer.from(''))).toBe(0x02cc5d05);
    expect(xxh32(Buffer.from('a'))).toBe(0x550d7456);
    expect(xxh32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxh32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });

  it('gives the reference LZ4 header checksums: broken 0x1A over magic+FLG+BD, correct 0x82 over FLG+BD', () => {
    const descriptorWithMagic = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]);
    expect((xxh32(descriptorWithMagic) >>> 8) & 0xff).toBe(0x1a);
    expect((xxh32(descriptorWithMagic, 4, 6) >>> 8) & 0xff).toBe(0x82);
  });
});

describe('crc32', () => {
  it('matches zlib on every length around the native threshold and the 16-byte stride', () => {
    const data = Buffer.alloc(NATIVE_CRC_THRESHOLD * 2 + 40);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
    for (let len = 0; len < data.length - 5; len += len < 40 ? 1 : 37) {
      const expected = zlib.crc32(data.subarray(5, 5 + len));
      expect(crc32Js(data, 5, 5 + len)).toBe(expected);
      expect(crc32(data, 5, 5 + len)).toBe(expected);
    }
  });

  it('gives the reference CRC of an empty message (magic 0, attributes 0, null key, null value)', () => {
    const body = Buffer.from([0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(crc32(body)).toBe(0xa7ec6803);
  });
});
