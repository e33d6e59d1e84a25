import { describe, expect, it } from 'vitest';
import { encodeMessageSet } from '../../../src/protocol/index.js';
import { outlineMessageSet } from '../../../src/protocol/message-set-outline.js';
import { hasLargeEntries } from '../../../src/simple-consumer/fetch-engine/fetch-plan.js';

// A set's entries count as large from an average of 4096 bytes per entry (header included).
// An entry is 26 bytes plus its value here (no key).
const outlineOf = (valueSizes: number[]) =>
  outlineMessageSet(encodeMessageSet(valueSizes.map((n) => ({ key: null, value: Buffer.alloc(n, 0x61) }))));

describe('hasLargeEntries', () => {
  it('is false just below an average of 4096 bytes per entry and true at and above it', () => {
    expect(hasLargeEntries(outlineOf([4096 - 26 - 1]))).toBe(false);
    expect(hasLargeEntries(outlineOf([4096 - 26]))).toBe(true);
    expect(hasLargeEntries(outlineOf([4096 - 26 + 1]))).toBe(true);
    // An average: one big entry among small ones is not enough.
    expect(hasLargeEntries(outlineOf([8000, 100, 100]))).toBe(false);
    expect(hasLargeEntries(outlineOf([8192 - 26, 2048 - 26, 2048 - 26 - 1]))).toBe(false);
    expect(hasLargeEntries(outlineOf([8192 - 26, 2048 - 26, 2048 - 26]))).toBe(true);
  });

  it('is false for an answer with no complete entry', () => {
    const set = encodeMessageSet([{ key: null, value: Buffer.alloc(10_000) }]);
    expect(hasLargeEntries(outlineMessageSet(set.subarray(0, 5000)))).toBe(false);
    expect(hasLargeEntries(outlineMessageSet(Buffer.alloc(0)))).toBe(false);
  });
});
