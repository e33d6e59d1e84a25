import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { clearCrcWindow, crc32InWindow } from '../../../src/protocol/crc32.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import { decodeMessageSet, forEachMessage, verifyMessageSet } from '../../../src/protocol/message-set.js';
import { rawEntry } from './helpers.js';

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed * 17 + 7) & 0xff;
  return b;
}

describe('crc32InWindow', () => {
  it('matches zlib over increasing ranges of a buffer larger than several windows, at every small length', () => {
    const data = pattern(600_000, 1).subarray(3);
    clearCrcWindow();
    let start = 0;
    let len = 0;
    while (start + len <= data.length) {
      expect(crc32InWindow(data, start, start + len), `range ${start}+${len}`).toBe(
        zlib.crc32(data.subarray(start, start + len)),
      );
      start += len + 11;
      len = (len + 1) % 420;
    }
  });

  it('sees new bytes after clearCrcWindow and never mixes two buffers', () => {
    const a = pattern(1000, 2);
    const b = pattern(1000, 3);
    clearCrcWindow();
    expect(crc32InWindow(a, 10, 124)).toBe(zlib.crc32(a.subarray(10, 124)));
    expect(crc32InWindow(b, 130, 244)).toBe(zlib.crc32(b.subarray(130, 244)));
    expect(crc32InWindow(a, 130, 244)).toBe(zlib.crc32(a.subarray(130, 244)));
    a[200] = a[200]! ^ 0xff;
    clearCrcWindow();
    expect(crc32InWindow(a, 130, 244)).toBe(zlib.crc32(a.subarray(130, 244)));
  });
});

describe('CRC checks across copied windows', () => {
  const entries = (n: number): Buffer[] =>
    Array.from({ length: n }, (_, i) => rawEntry({ offset: BigInt(i), value: pattern(100, i) }));

  it('finds a bad CRC far past the first window, in verify and decode, with its offset', () => {
    const list = entries(3000);
    const bad = 2500;
    const set = Buffer.concat(list);
    const at = list.slice(0, bad).reduce((s, e) => s + e.length, 0);
    set[at + 40] = set[at + 40]! ^ 0x01;
    for (const run of [() => verifyMessageSet(set), () => decodeMessageSet(set)]) {
      let caught: unknown;
      try {
        run();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CorruptError);
      expect((caught as CorruptError).reason).toBe('bad-crc');
      expect((caught as CorruptError).offset).toBe(BigInt(bad));
    }
  });

  it('checks the bytes as they are when a visitor rewrites later messages (no stale copy)', () => {
    const list = entries(2000);
    const set = Buffer.concat(list);
    // Inside the first copied window, so a stale copy would miss the change.
    const target = list.slice(0, 500).reduce((s, e) => s + e.length, 0);
    let thrown: unknown;
    try {
      forEachMessage(set, (offset) => {
        if (offset === 0n) set[target + 40] = set[target + 40]! ^ 0x01;
      });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CorruptError);
    expect((thrown as CorruptError).offset).toBe(500n);
  });
});
