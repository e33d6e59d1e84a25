import { describe, expect, it } from 'vitest';
import { encodeMessageSet } from '../../../src/protocol/index.js';
import { outlineMessageSet } from '../../../src/protocol/message-set-outline.js';
import { resolveFetchEngineConfig } from '../../../src/simple-consumer/fetch-engine/config.js';
import type { EngineContext } from '../../../src/simple-consumer/fetch-engine/context.js';
import { hasLargeEntries, planFetch } from '../../../src/simple-consumer/fetch-engine/fetch-plan.js';
import { PartitionState } from '../../../src/simple-consumer/fetch-engine/partition-state.js';
import { PrefetchBudget } from '../../../src/simple-consumer/fetch-engine/prefetch-budget.js';

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

/** A ready partition on broker 0 at offset 0; `backlog` records of 1 byte each left (0: caught up). */
function partition(p: number, backlog: number): PartitionState {
  const s = new PartitionState('t', p, 10_000);
  s.status = 'ready';
  s.leader = 0;
  s.fetchOffset = 0n;
  s.highWatermark = BigInt(backlog);
  s.entryBytes = 1;
  return s;
}

/** fetch size 10_000, catch-up 20_000 (the request cap), budget 1_000_000, maxWaitMs 100. */
function plan(states: PartitionState[], reserved = 0) {
  const config = resolveFetchEngineConfig({
    fetchSizeBytes: 10_000,
    catchUpFetchBytes: 20_000,
    prefetchBytes: 1_000_000,
    maxWaitMs: 100,
  });
  const budget = new PrefetchBudget(config.prefetchBytes, () => undefined);
  budget.reserve(reserved);
  const ctx = { config, budget, partitions: () => states } as unknown as EngineContext;
  const planned = planFetch(ctx, 0, 0);
  return { partitions: planned?.parts.map((r) => r.state.partition), wait: planned?.wait };
}

describe('planFetch', () => {
  it('fills a request with partitions with data up to exactly the catch-up fetch, by what they hold', () => {
    // Likely answers: 10_000 (the fetch size caps a larger backlog), 9_999 and 1: 20_000 in all.
    expect(plan([partition(0, 50_000), partition(1, 9_999), partition(2, 1)]).partitions).toEqual([0, 1, 2]);
    // One byte more and the last one waits for the next request.
    expect(plan([partition(0, 50_000), partition(1, 10_000), partition(2, 1)]).partitions).toEqual([0, 1]);
  });

  it('always takes the first partition with data, whatever it likely holds', () => {
    const behind = partition(0, 1_000_000);
    behind.behind = true;
    behind.largeEntries = true; // asks for twice the catch-up fetch: 40_000, over the cap
    expect(plan([behind, partition(1, 1)]).partitions).toEqual([0]);
  });

  it('asks a caught-up partition beside ones with data only once maxWaitMs has passed', () => {
    const now = performance.now();
    const recent = partition(1, 0);
    recent.probedAt = now - 100 + 50;
    expect(plan([partition(0, 5), recent]).partitions).toEqual([0]);
    const due = partition(1, 0);
    due.probedAt = now - 100 - 1;
    // Due probes go first, ahead of the partitions with data.
    expect(plan([partition(0, 5), due]).partitions).toEqual([1, 0]);
    // With no partition with data, every caught-up one goes (those due first), and the broker
    // may hold the request.
    const recentOnly = partition(1, 0);
    recentOnly.probedAt = now;
    expect(plan([recentOnly, partition(2, 0)])).toEqual({ partitions: [2, 1], wait: true });
  });

  it('asks the broker not to hold probes that go alone while partitions with data wait for room', () => {
    // Three probes due share the 20_000 cap (6,666 each): room for one, not for the 10_000
    // fetch size of partition 0.
    const probes = [partition(1, 0), partition(2, 0), partition(3, 0)];
    expect(plan([partition(0, 5), ...probes], 1_000_000 - 9_999)).toEqual({ partitions: [1], wait: false });
    // With room, the request carries data and the broker may hold it.
    expect(plan([partition(0, 5), partition(1, 0)]).wait).toBe(true);
  });
});
