import { describe, expect, it } from 'vitest';
import type { PartitionStalledEvent } from '../../../src/simple-consumer/fetch-engine/index.js';
import { PartitionState } from '../../../src/simple-consumer/fetch-engine/partition-state.js';
import { noteAnswer, STALL_ANSWERS } from '../../../src/simple-consumer/fetch-engine/stall-watch.js';
import { key } from './fetch-engine-fake-cluster.js';
import { engineHarness, range, take, values } from './fetch-engine-harness.js';

// A broker that answers nothing below its high watermark: a 0.8 broker does so in front of an
// entry whose offset field claims the high watermark or more. Every record after that entry is
// out of reach; the engine cannot read past it, but it must say so instead of waiting silently.

const { cluster, engine } = engineHarness();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('noteAnswer', () => {
  it('reports the third empty answer in a row at one offset below the high watermark, once', () => {
    const s = new PartitionState('t', 0, 1024);
    const seen = Array.from({ length: 6 }, () => noteAnswer(s, 7n, 0, 10n));
    expect(seen.filter((e) => e !== undefined)).toEqual([
      { topic: 't', partition: 0, offset: 7n, highWatermark: 10n, emptyAnswers: STALL_ANSWERS },
    ]);
    expect(seen.indexOf(seen.find((e) => e !== undefined))).toBe(STALL_ANSWERS - 1);
  });

  it('starts again after records, at a new offset, and never at the log end', () => {
    const s = new PartitionState('t', 0, 1024);
    const at = (offset: bigint, bytes: number, hw = 10n) => noteAnswer(s, offset, bytes, hw);
    expect([at(7n, 0), at(7n, 0), at(7n, 120), at(7n, 0), at(7n, 0)]).toEqual(Array(5).fill(undefined));
    expect([at(8n, 0), at(8n, 0)]).toEqual([undefined, undefined]);
    expect(at(9n, 0)).toBeUndefined();
    expect(at(9n, 0)).toBeUndefined();
    expect(at(9n, 0)).toMatchObject({ offset: 9n });
    for (let i = 0; i < 10; i++) expect(at(10n, 0)).toBeUndefined();
  });
});

describe('FetchEngine: a partition the broker serves nothing of below its high watermark', () => {
  /**
   * m0..m(count-1) on s/0, entry 30 claiming an offset past the log end, so the broker's answers
   * from 30 on stop before it; an engine waiting 20 ms per empty fetch.
   */
  async function stallingAt30(count: number) {
    const c = await cluster(1);
    c.addPartition('s', 0, 0);
    c.append('s', 0, range('m', 0, count));
    const entry = c.logs.get(key('s', 0))!.entries[30]!;
    entry.offset = 1n << 40n;
    return { c, entry, e: engine(c, { maxWaitMs: 20 }) };
  }

  it('reports partition-stalled once at the offset, keeps fetching, and reads on when the broker serves again', async () => {
    const { c, entry, e } = await stallingAt30(60);
    const stalled: PartitionStalledEvent[] = [];
    e.on('partition-stalled', (ev) => stalled.push(ev));
    e.assign([{ topic: 's', partition: 0, offset: 0n }]);
    expect(values(await take(e, 30))).toEqual(range('m', 0, 30));
    const fetchesBefore = c.fetches.length;
    await sleep(400);
    expect(stalled).toEqual([
      { topic: 's', partition: 0, offset: 30n, highWatermark: 60n, emptyAnswers: STALL_ANSWERS },
    ]);
    // Still asking (about one answer per 20 ms here), and only once said.
    expect(c.fetches.length - fetchesBefore).toBeGreaterThan(STALL_ANSWERS * 2);
    expect(e.position('s', 0)).toBe(30n);
    // The broker serves records there again (the entry repaired): reading resumes by itself.
    entry.offset = 30n;
    expect(values(await take(e, 30))).toEqual(range('m', 30, 60));
    await sleep(200);
    expect(stalled).toHaveLength(1);
  });

  it('a partition-stalled listener that throws: reported as listener-error, and reading goes on', async () => {
    const { entry, e } = await stallingAt30(40);
    const thrown = new Error('listener');
    const heard: unknown[] = [];
    e.on('partition-stalled', () => {
      throw thrown;
    });
    e.on('listener-error', (ev) => heard.push(ev.error));
    e.assign([{ topic: 's', partition: 0, offset: 0n }]);
    expect(values(await take(e, 30))).toEqual(range('m', 0, 30));
    await sleep(300);
    expect(heard).toEqual([thrown]);
    entry.offset = 30n;
    expect(values(await take(e, 10))).toEqual(range('m', 30, 40));
  });

  it('a caught-up partition (its position at the high watermark) is never reported, however long it waits', async () => {
    const c = await cluster(1);
    c.addPartition('s', 0, 0);
    c.append('s', 0, range('m', 0, 5));
    const e = engine(c, { maxWaitMs: 10 });
    const stalled: PartitionStalledEvent[] = [];
    e.on('partition-stalled', (ev) => stalled.push(ev));
    e.assign([{ topic: 's', partition: 0, offset: 0n }]);
    expect(values(await take(e, 5))).toEqual(range('m', 0, 5));
    const fetchesBefore = c.fetches.length;
    await sleep(300);
    expect(c.fetches.length - fetchesBefore).toBeGreaterThan(STALL_ANSWERS * 2);
    expect(stalled).toEqual([]);
  });
});
