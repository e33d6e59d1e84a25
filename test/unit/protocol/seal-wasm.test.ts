import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessageSet, sealMessageSet } from '../../../src/protocol/message-set-encode.js';
import {
  configureWasmVerify,
  MAX_SIZE,
  sealPlainSet,
  wasmVerifyAvailable,
} from '../../../src/protocol/wasm-verify.js';

// sealMessageSet writes CRCs in one wasm call per copied window (sealPlainSet), leaving to JS the
// entries wasm does not take. Whatever the window, the size limit and the range sealed, the bytes
// must be those of the JS loop (wasm switched off) and of encodeMessageSet.

const DEFAULT_WINDOW = 1024 * 1024;
const params = { seed: 0x5ea1, numRuns: 200 };

beforeAll(() => {
  expect(wasmVerifyAvailable()).toBe(true);
});

afterEach(() => {
  configureWasmVerify({ enabled: true, windowBytes: DEFAULT_WINDOW, maxSize: MAX_SIZE });
});

/** A set of `sizes` values (null for a tombstone, keys on every third), with its CRCs zeroed. */
function unsealed(sizes: readonly (number | null)[]): { sealed: Buffer; blank: Buffer } {
  const sealed = Buffer.from(
    encodeMessageSet(
      sizes.map((n, i) => ({
        key: i % 3 === 0 ? Buffer.from(`k${i}`) : null,
        value: n === null ? null : Buffer.alloc(n, (i * 7 + 1) & 0xff),
      })),
      { baseOffset: 5000n },
    ),
  );
  return { sealed, blank: withoutCrcs(sealed) };
}

function unsealedWithoutKeys(sizes: readonly number[]): { sealed: Buffer; blank: Buffer } {
  const sealed = Buffer.from(
    encodeMessageSet(
      sizes.map((n, i) => ({ key: null, value: Buffer.alloc(n, i + 1) })),
      { baseOffset: 7n },
    ),
  );
  return { sealed, blank: withoutCrcs(sealed) };
}

function withoutCrcs(sealed: Buffer): Buffer {
  const blank = Buffer.from(sealed);
  for (let at = 0; at < blank.length; at += 12 + blank.readInt32BE(at + 8)) blank.fill(0, at + 12, at + 16);
  return blank;
}

function sealWith(blank: Buffer, wasm: boolean, from = 0, to = blank.length): Buffer {
  configureWasmVerify({ enabled: wasm });
  const b = Buffer.from(blank);
  sealMessageSet(b, from, to);
  return b;
}

describe('sealMessageSet in wasm', () => {
  it("writes the JS loop's bytes for every window and size limit, large entries included", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null, freq: 8 }), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.constantFrom(64, 200, 1000, 4096, DEFAULT_WINDOW),
        fc.constantFrom(14, 100, MAX_SIZE, 0x7fffffff),
        (sizes, windowBytes, maxSize) => {
          const { sealed, blank } = unsealed(sizes);
          configureWasmVerify({ windowBytes, maxSize });
          expect(sealWith(blank, true).equals(sealed)).toBe(true);
          expect(sealWith(blank, false).equals(sealed)).toBe(true);
        },
      ),
      params,
    );
  });

  it('takes entries just below, at and above the size limit and the window alike', () => {
    // A Message without key is 14 bytes plus its value; an entry is 12 more.
    for (const message of [MAX_SIZE - 1, MAX_SIZE, MAX_SIZE + 1]) {
      const value = message - 14;
      const { sealed, blank } = unsealedWithoutKeys([10, value, 10, value, value, 10]);
      for (const windowBytes of [
        12 + message - 1,
        12 + message,
        12 + message + 1,
        3 * (12 + message),
        DEFAULT_WINDOW,
      ]) {
        configureWasmVerify({ windowBytes });
        expect(sealWith(blank, true).equals(sealed)).toBe(true);
      }
    }
  });

  it('leaves to JS exactly the entries over the size limit, across many windows', () => {
    const sizes = Array.from({ length: 300 }, (_, i) => (i % 7 === 3 ? MAX_SIZE - 13 : 20 + (i % 50)));
    const { sealed, blank } = unsealedWithoutKeys(sizes);
    for (const windowBytes of [MAX_SIZE + 12, 1000, 4096]) {
      configureWasmVerify({ windowBytes });
      const b = Buffer.from(blank);
      const leftToJs: number[] = [];
      const sealedByWasm = sealPlainSet(b, 0, b.length, (at) => {
        leftToJs.push(at);
        const end = at + 12 + b.readInt32BE(at + 8);
        sealed.copy(b, at + 12, at + 12, at + 16);
        return end;
      });
      expect(sealedByWasm).toBe(true);
      expect(b.equals(sealed)).toBe(true);
      expect(leftToJs.length).toBe(sizes.filter((n) => n + 14 > MAX_SIZE).length);
    }
  });

  it('seals only [from, to): entries before and after keep their bytes', () => {
    const { sealed, blank } = unsealed([10, 200, 30, 2000, 5, 70]);
    const starts: number[] = [];
    for (let at = 0; at < blank.length; at += 12 + blank.readInt32BE(at + 8)) starts.push(at);
    const from = starts[1]!;
    const to = starts[5]!;
    for (const windowBytes of [64, 300, DEFAULT_WINDOW]) {
      configureWasmVerify({ windowBytes });
      const b = sealWith(blank, true, from, to);
      expect(b.subarray(0, from).equals(blank.subarray(0, from))).toBe(true);
      expect(b.subarray(from, to).equals(sealed.subarray(from, to))).toBe(true);
      expect(b.subarray(to).equals(blank.subarray(to))).toBe(true);
    }
  });

  it('refuses an entry that runs past the range or is shorter than a message, as the JS loop does', () => {
    const { blank } = unsealed([50, 50, 50]);
    const second = 12 + blank.readInt32BE(8);
    for (const bad of [blank.length, 13, -1]) {
      const b = Buffer.from(blank);
      b.writeInt32BE(bad, second + 8);
      for (const wasm of [true, false]) {
        configureWasmVerify({ enabled: wasm });
        const copy = Buffer.from(b);
        expect(() => sealMessageSet(copy, 0, copy.length)).toThrow(RangeError);
      }
    }
    // A range that cuts the last entry is refused too, never hashed past `to`.
    configureWasmVerify({ enabled: true });
    expect(() => sealMessageSet(Buffer.from(blank), 0, blank.length - 1)).toThrow(RangeError);
  });
});
