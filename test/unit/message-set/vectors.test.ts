import { describe, expect, it } from 'vitest';
import { Codec } from '../../../src/protocol/compression/index.js';
import { decodeMessageSet } from '../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';

const hex = (s: string) => Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');

describe('reference vectors (protocol reference §2.1)', () => {
  it('encodes offset 42 / null key / "hello" byte for byte', () => {
    const expected = hex(
      '00 00 00 00 00 00 00 2a | 00 00 00 13 | 87 a7 7a b2 | 00 | 00 | ff ff ff ff | 00 00 00 05 | 68 65 6c 6c 6f',
    );
    const bytes = encodeMessageSet([{ value: Buffer.from('hello') }], { baseOffset: 42n });
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
    const out = decodeMessageSet(expected);
    expect(out.messages).toEqual([{ offset: 42n, key: null, value: Buffer.from('hello') }]);
    expect(out.partialTail).toBe(false);
    expect(out.nextOffset).toBe(43n);
    expect(out.validBytes).toBe(expected.length);
  });

  it('gives the empty message (null key, null value) the CRC a7 ec 68 03', () => {
    const bytes = encodeMessageSet([{ key: null, value: null }]);
    expect(bytes.subarray(12, 16).toString('hex')).toBe('a7ec6803');
    expect(decodeMessageSet(bytes).messages).toEqual([{ offset: 0n, key: null, value: null }]);
  });

  it('writes the LZ4 frame header a 0.8.2 broker demands: FLG 0x60, BD 0x40, broken HC 0x1A', () => {
    const bytes = encodeMessageSet([{ value: Buffer.from('x') }], { codec: Codec.Lz4 });
    // entry header 12 + crc 4 + magic 1 + attributes 1 + key 4 + value length 4 = 26
    expect(bytes[17]).toBe(Codec.Lz4);
    expect(bytes.subarray(26, 33).toString('hex')).toBe('04224d1860401a');
  });

  it('keeps empty distinct from null for key and value', () => {
    const msgs = [
      { key: Buffer.alloc(0), value: Buffer.alloc(0) },
      { key: null, value: Buffer.alloc(0) },
      { key: Buffer.alloc(0), value: null },
    ];
    const out = decodeMessageSet(encodeMessageSet(msgs));
    expect(out.messages.map((m) => [m.key?.length ?? null, m.value?.length ?? null])).toEqual([
      [0, 0],
      [null, 0],
      [0, null],
    ]);
  });

  it('reads offsets beyond 2^53 and 2^32 exactly', () => {
    for (const base of [2n ** 32n - 1n, 2n ** 53n + 3n, 2n ** 63n - 2n]) {
      const out = decodeMessageSet(
        encodeMessageSet([{ value: null }, { value: null }], { baseOffset: base }),
      );
      expect(out.messages.map((m) => m.offset)).toEqual([base, base + 1n]);
    }
  });
});
