import { describe, expect, it } from 'vitest';
import { resolveFetchEngineConfig } from '../../../src/simple-consumer/fetch-engine/config.js';
import { FetchConfigError, MessageTooLargeError } from '../../../src/simple-consumer/fetch-engine/errors.js';
import { grownFetchSize } from '../../../src/simple-consumer/fetch-engine/fetch-size.js';
import { outOfRangeSide, resetTarget } from '../../../src/simple-consumer/fetch-engine/offset-reset.js';

const where = { topic: 't', partition: 2, offset: 9n };

describe('fetch-size growth', () => {
  it('jumps straight to the announced entry size', () => {
    expect(grownFetchSize(where, 1000, 4000, 10_000)).toBe(4000);
  });
  it('doubles without a complete header, capped at the ceiling', () => {
    expect(grownFetchSize(where, 1000, undefined, 10_000)).toBe(2000);
    expect(grownFetchSize(where, 6000, undefined, 10_000)).toBe(10_000);
  });
  it('doubles when the announced size is not above the current one (the broker cut for another reason)', () => {
    expect(grownFetchSize(where, 1000, 800, 10_000)).toBe(2000);
  });
  it('raises MessageTooLargeError at the ceiling, or at once when the entry is known to exceed it', () => {
    expect(() => grownFetchSize(where, 10_000, undefined, 10_000)).toThrow(MessageTooLargeError);
    let err: unknown;
    try {
      grownFetchSize(where, 1000, 50_000, 10_000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MessageTooLargeError);
    expect(err).toMatchObject({
      topic: 't',
      partition: 2,
      offset: 9n,
      messageBytes: 50_000,
      maxFetchBytes: 10_000,
    });
  });
});

describe('offset reset policy', () => {
  it('maps the Kafka 0.8 names and their later synonyms', () => {
    expect(resetTarget('smallest')).toBe('earliest');
    expect(resetTarget('earliest')).toBe('earliest');
    expect(resetTarget('largest')).toBe('latest');
    expect(resetTarget('latest')).toBe('latest');
    expect(resetTarget('none')).toBeUndefined();
  });
});

describe('engine config', () => {
  it('has the Kafka 0.8 defaults', () => {
    expect(resolveFetchEngineConfig()).toMatchObject({
      maxWaitMs: 100,
      minBytes: 1,
      fetchSizeBytes: 1048576,
      maxFetchSizeBytes: 1048576,
      autoOffsetReset: 'largest',
      socketTimeoutMs: 30_000,
      refreshLeaderBackoffMs: 200,
    });
  });
  it('refuses a socket timeout not above the long-poll wait, and a ceiling below the fetch size', () => {
    expect(() => resolveFetchEngineConfig({ maxWaitMs: 500, socketTimeoutMs: 500 })).toThrow(
      FetchConfigError,
    );
    expect(() => resolveFetchEngineConfig({ fetchSizeBytes: 2000, maxFetchSizeBytes: 1000 })).toThrow(
      FetchConfigError,
    );
    expect(() => resolveFetchEngineConfig({ autoOffsetReset: 'oldest' as 'none' })).toThrow(FetchConfigError);
    expect(() => resolveFetchEngineConfig({ prefetchBytes: 0 })).toThrow(FetchConfigError);
    expect(() => resolveFetchEngineConfig({ batchBytes: 0 })).toThrow(FetchConfigError);
  });
  it('cuts batches at 256 KiB by default, or at the fetch size when that is smaller', () => {
    expect(resolveFetchEngineConfig()).toMatchObject({
      batchBytes: 256 * 1024,
      catchUpFetchBytes: 2 * 1024 * 1024,
    });
    expect(resolveFetchEngineConfig({ fetchSizeBytes: 1000 }).batchBytes).toBe(1000);
    expect(resolveFetchEngineConfig({ fetchSizeBytes: 1000, batchBytes: 5000 }).batchBytes).toBe(5000);
  });
});

describe('which side of the log an out-of-range offset lay on', () => {
  it('reads it from the one answer the reset got', () => {
    // A log start at or below the offset: the log ended before it.
    expect(outOfRangeSide(30n, 'earliest', 0n)).toBe(true);
    expect(outOfRangeSide(30n, 'earliest', 30n)).toBe(true);
    // A log start above it: retention passed it.
    expect(outOfRangeSide(3n, 'earliest', 20n)).toBe(false);
    // A log end below it: cut; at or above it: the log may have grown back, so nothing is said.
    expect(outOfRangeSide(30n, 'latest', 20n)).toBe(true);
    expect(outOfRangeSide(30n, 'latest', 30n)).toBeUndefined();
    expect(outOfRangeSide(3n, 'latest', 50n)).toBeUndefined();
    // A start position is no out-of-range offset.
    expect(outOfRangeSide(undefined, 'earliest', 0n)).toBeUndefined();
  });
});
