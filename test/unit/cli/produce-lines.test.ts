import { describe, expect, it, vi } from 'vitest';
import { LineCutter, lineToRecord } from '../../../src/cli/produce-lines.js';
import { UsageError } from '../../../src/cli/usage.js';

/** Every line of `input` cut in chunks of `size` bytes. */
function cutAll(input: Buffer, size: number): string[] {
  const cutter = new LineCutter();
  const out: string[] = [];
  for (let at = 0; at < input.length; at += size) {
    for (const line of cutter.cut(input.subarray(at, at + size))) out.push(line.toString('latin1'));
  }
  const last = cutter.end();
  if (last !== undefined) out.push(last.toString('latin1'));
  return out;
}

describe('LineCutter', () => {
  it('cuts at \\n, drops a \\r before it, keeps empty lines and a last line without an end, at any chunking', () => {
    const input = Buffer.from('a\r\nbb\n\n\r\nccc\rd\ne', 'latin1');
    const expected = ['a', 'bb', '', '', 'ccc\rd', 'e'];
    for (let size = 1; size <= input.length; size++) expect(cutAll(input, size)).toEqual(expected);
  });

  it('gives nothing more for input ending with a line end, and an empty input has no lines', () => {
    expect(cutAll(Buffer.from('x\n'), 1)).toEqual(['x']);
    expect(cutAll(Buffer.from('x\r\n'), 2)).toEqual(['x']);
    expect(cutAll(Buffer.alloc(0), 1)).toEqual([]);
    expect(cutAll(Buffer.from('last\r'), 3)).toEqual(['last']);
  });

  it('passes bytes through as they came, invalid UTF-8 included, and lines are views of single chunks', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a, 0xc3]);
    const cutter = new LineCutter();
    const [line] = cutter.cut(bytes);
    expect(line).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    expect(line!.buffer).toBe(bytes.buffer);
    expect(cutter.end()).toEqual(Buffer.from([0xc3]));
  });
});

describe('lineToRecord', () => {
  const plain = {
    keySeparator: undefined,
    nullValue: undefined,
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
  } as const;

  it('splits the key at the first separator, by bytes, with multibyte text on either side', () => {
    const f = { ...plain, keySeparator: Buffer.from('→') };
    const r = lineToRecord(Buffer.from('ünï→cödé→more'), 1, f);
    expect(r.key?.toString()).toBe('ünï');
    expect(r.value?.toString()).toBe('cödé→more');
    expect(lineToRecord(Buffer.from('no separator'), 2, f)).toEqual({
      key: null,
      value: Buffer.from('no separator'),
    });
    expect(lineToRecord(Buffer.from('→'), 3, f)).toEqual({ key: Buffer.alloc(0), value: Buffer.alloc(0) });
  });

  it('sends the null marker as null, and only an exact match', () => {
    const f = { ...plain, keySeparator: Buffer.from('|'), nullValue: Buffer.from('NULL') };
    expect(lineToRecord(Buffer.from('k|NULL'), 1, f).value).toBeNull();
    expect(lineToRecord(Buffer.from('k|NULLx'), 1, f).value?.toString()).toBe('NULLx');
    expect(lineToRecord(Buffer.from('NULL'), 1, f)).toEqual({ key: null, value: null });
  });

  it('decodes hex and base64 strictly, naming the line and the field', () => {
    const f = {
      ...plain,
      keySeparator: Buffer.from(' '),
      keyEncoding: 'hex',
      valueEncoding: 'base64',
    } as const;
    expect(lineToRecord(Buffer.from('dead AAEC/w=='), 1, f)).toEqual({
      key: Buffer.from([0xde, 0xad]),
      value: Buffer.from([0, 1, 2, 0xff]),
    });
    expect(() => lineToRecord(Buffer.from('xyz AAAA'), 7, f)).toThrow(UsageError);
    expect(() => lineToRecord(Buffer.from('xyz AAAA'), 7, f)).toThrow(/the key on line 7 is not valid hex/);
    expect(() => lineToRecord(Buffer.from('00 A'), 9, f)).toThrow(/the value on line 9 is not valid base64/);
  });
});

describe('LineCutter on a long line', () => {
  it('joins a line spread over many chunks once, not at every chunk', () => {
    const cutter = new LineCutter();
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const concat = vi.spyOn(Buffer, 'concat');
    try {
      for (let i = 0; i < 100; i++) expect(cutter.cut(piece)).toEqual([]);
      const [line] = cutter.cut(Buffer.from('b\n'));
      expect(line!.length).toBe(100 * 64 * 1024 + 1);
      expect(line![line!.length - 1]).toBe(0x62);
      // Joined at every chunk, a line of n chunks copies about n^2 / 2 chunks' bytes.
      expect(concat).toHaveBeenCalledTimes(1);
    } finally {
      concat.mockRestore();
    }
  });
});
