import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../helpers/offset-tracker.js';

// The broker-loss test excuses repeats only as a replay after a cut of the leader's log; a slip
// here would hide duplicates, so the tracker is held to its word on its own.

function feed(t: OffsetTracker, partition: number, from: number, to: number, prefix = 'v'): void {
  for (let o = from; o < to; o++) t.see(partition, BigInt(o), `${prefix}${o}`);
}

describe('OffsetTracker', () => {
  it('counts gaps and repeats without a cut', () => {
    const t = new OffsetTracker(2);
    feed(t, 0, 0, 5);
    feed(t, 0, 7, 9);
    feed(t, 0, 3, 5);
    feed(t, 1, 0, 3);
    expect([t.lost, t.duplicated, t.replayed, t.records]).toEqual([2, 2, 0, 12]);
    expect(t.next).toEqual([9, 3]);
  });

  it('counts a replay after a cut once, in order, and sees the records the cut let in', () => {
    const t = new OffsetTracker(1);
    feed(t, 0, 0, 3000);
    t.cut(0, 3000n, 0n);
    // Offsets 2500 and on hold other records now: the log was cut at 2500.
    feed(t, 0, 0, 2500);
    feed(t, 0, 2500, 3100, 'new');
    expect([t.lost, t.duplicated, t.replayed]).toEqual([0, 0, 3000]);
    expect(t.rewritten).toEqual([500]);
    expect(t.next).toEqual([3100]);
  });

  it('keeps counting duplicates: out of order in a replay, or after it ended', () => {
    const t = new OffsetTracker(1);
    feed(t, 0, 0, 10);
    t.cut(0, 10n, 0n);
    feed(t, 0, 0, 4);
    t.see(0, 2n, 'v2'); // a repeat inside the replay
    feed(t, 0, 4, 12);
    t.see(0, 11n, 'v11'); // the replay is over
    expect([t.duplicated, t.replayed, t.rewritten[0]]).toEqual([2, 10, 0]);
  });

  it('leaves a replay of the same records without rewrites: not a cut the data shows', () => {
    const t = new OffsetTracker(1);
    feed(t, 0, 0, 50);
    t.cut(0, 50n, 0n);
    feed(t, 0, 0, 50);
    expect(t.rewritten).toEqual([0]);
    expect(t.cuts).toEqual([{ partition: 0, from: 50n }]);
  });
});
