import { describe, expect, it } from 'vitest';
import { CorruptError } from '../../../src/protocol/errors.js';
import { OffsetOutOfRangeError } from '../../../src/simple-consumer/fetch-engine/errors.js';
import type { FetchEngine, PartitionFailedEvent } from '../../../src/simple-consumer/fetch-engine/index.js';
import { within } from '../../helpers/within.js';
import { type FakeCluster, key } from './fetch-engine-fake-cluster.js';
import { engineHarness, range, take, values } from './fetch-engine-harness.js';

// A partition stopped by an unrecoverable error raises it once, in its place, and the others go
// on. When every assigned partition has stopped, nothing can come until a seek or an assignment
// change: next() then raises the first one's error again instead of waiting for ever (Kafka's
// Java consumer throws the same exception from each poll until the application seeks).

const { cluster, engine } = engineHarness();

/** `count` messages `<topic><partition>-<i>` per partition; entry `at` of each partition in `bad` has a bad CRC. */
async function twoPartitions(count: number, at: number, bad: number[]): Promise<FakeCluster> {
  const c = await cluster(1);
  for (const p of [0, 1]) {
    c.addPartition('a', p, 0);
    c.append('a', p, range(`p${p}-`, 0, count));
    if (!bad.includes(p)) continue;
    const entry = c.logs.get(key('a', p))!.entries[at]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes[entry.bytes.length - 1]! ^= 0xff;
  }
  return c;
}

/** What next() does within `ms`: a batch, an error, or nothing. */
async function outcome(
  e: FetchEngine,
  ms: number,
): Promise<{ values?: string[]; error?: unknown } | 'quiet'> {
  return Promise.race([
    e.next().then(
      (b) => ({ values: values([b]) }),
      (error: unknown) => ({ error }),
    ),
    new Promise<'quiet'>((r) => setTimeout(() => r('quiet'), ms)),
  ]);
}

/** Reads until `errors` errors were raised; the values delivered and the errors, in order. */
async function readErrors(e: FetchEngine, errors: number): Promise<{ got: string[]; raised: unknown[] }> {
  const got: string[] = [];
  const raised: unknown[] = [];
  while (raised.length < errors) {
    const r = await outcome(e, 3000);
    if (r === 'quiet')
      throw new Error(`next() waited after ${raised.length} errors and ${got.length} values`);
    if (r.error !== undefined) raised.push(r.error);
    else got.push(...r.values!);
  }
  return { got, raised };
}

describe('FetchEngine: every assigned partition failed', () => {
  it('one failed, one healthy and caught up: next() waits for the healthy one, and its new data comes', async () => {
    const c = await twoPartitions(20, 10, [0]);
    const e = engine(c);
    e.assign([0, 1].map((partition) => ({ topic: 'a', partition, offset: 0n })));
    const { got, raised } = await readErrors(e, 1);
    expect(raised[0]).toMatchObject({ reason: 'bad-crc', partition: 0, offset: 10n });
    // The healthy partition is still live: the error is not raised again.
    const rest = got.filter((v) => v.startsWith('p1-'));
    while (rest.length < 20) {
      const r = await outcome(e, 3000);
      expect(r).not.toBe('quiet');
      expect((r as { error?: unknown }).error).toBeUndefined();
      rest.push(...(r as { values: string[] }).values);
    }
    const waiting = e.next();
    expect(await Promise.race([waiting, new Promise((r) => setTimeout(() => r('quiet'), 150))])).toBe(
      'quiet',
    );
    c.append('a', 1, ['late']);
    expect(values([await waiting])).toEqual(['late']);
  });

  it('both failed: the first error again from each later next(), until a seek', async () => {
    const c = await twoPartitions(20, 10, [0, 1]);
    const e = engine(c);
    e.assign([0, 1].map((partition) => ({ topic: 'a', partition, offset: 0n })));
    const { got, raised } = await readErrors(e, 2);
    expect(got.sort()).toEqual([...range('p0-', 0, 10), ...range('p1-', 0, 10)].sort());
    expect(raised.map((x) => (x as CorruptError).partition).sort()).toEqual([0, 1]);
    const firstFailed = raised[0];
    // Overlapping calls each get it; none waits.
    const again = await within(
      Promise.allSettled([e.next(), e.next(), e.next()]),
      3000,
      'next() after both failed',
    );
    for (const r of again) expect(r).toEqual({ status: 'rejected', reason: firstFailed });
    expect(e.position('a', 0)).toBe(10n);
    expect(e.position('a', 1)).toBe(10n);
    // A seek past the record revives its partition: its data comes, and the other's error is
    // not raised while it is live.
    const revivedPartition = (firstFailed as CorruptError).partition!;
    e.seek('a', revivedPartition, 11n);
    const revived = values(await take(e, 9));
    expect(revived).toEqual(range(`p${revivedPartition}-`, 11, 20));
    expect(await outcome(e, 150)).toBe('quiet');
  });

  it('a pending next() is answered with the error when the last live partition fails', async () => {
    const c = await twoPartitions(20, 10, [0]);
    const e = engine(c);
    e.assign([{ topic: 'a', partition: 0, offset: 0n }]);
    const { raised } = await readErrors(e, 1);
    // Partition 1 is assigned and read to its end; the waiting call learns when it fails too.
    e.assign([{ topic: 'a', partition: 1, offset: 0n }]);
    expect(values(await take(e, 20))).toEqual(range('p1-', 0, 20));
    const pending = e.next();
    const entry = c.logs.get(key('a', 1))!;
    c.append('a', 1, ['x']);
    const last = entry.entries[entry.entries.length - 1]!;
    last.bytes = Buffer.from(last.bytes);
    last.bytes[last.bytes.length - 1]! ^= 0xff;
    const first = await pending.catch((err: unknown) => err);
    expect(first).toMatchObject({ reason: 'bad-crc', partition: 1, offset: 20n });
    // Later calls raise the first failed partition's error.
    await expect(within(e.next(), 3000, 'next() after both partitions failed')).rejects.toBe(raised[0]);
  });

  it('unassigning the failed partitions leaves nothing to raise: next() waits', async () => {
    const c = await twoPartitions(20, 10, [0]);
    const e = engine(c);
    e.assign([{ topic: 'a', partition: 0, offset: 0n }]);
    const { raised } = await readErrors(e, 1);
    expect(raised[0]).toBeInstanceOf(CorruptError);
    await expect(within(e.next(), 3000, 'next() after it failed')).rejects.toBe(raised[0]);
    e.unassign([{ topic: 'a', partition: 0 }]);
    expect(await outcome(e, 150)).toBe('quiet');
  });

  it("'partition-failed' is emitted once per failure, found at hand-out or at fetch time, with the error next() raises", async () => {
    const c = await twoPartitions(20, 10, [0]);
    // Partition 1's first entry is damaged: no sound prefix, the failure is found as it goes out.
    const p1 = c.logs.get(key('a', 1))!.entries[0]!;
    p1.bytes = Buffer.from(p1.bytes);
    p1.bytes[p1.bytes.length - 1]! ^= 0xff;
    c.addPartition('a', 2, 0);
    c.append('a', 2, range('p2-', 0, 5));
    const e = engine(c, { autoOffsetReset: 'none' });
    const heard: PartitionFailedEvent[] = [];
    e.on('partition-failed', (ev) => heard.push(ev));
    e.assign([
      { topic: 'a', partition: 0, offset: 0n },
      { topic: 'a', partition: 1, offset: 0n },
      // Past the log end with reset none: the fetch itself fails.
      { topic: 'a', partition: 2, offset: 50n },
    ]);
    const { raised } = await readErrors(e, 3);
    expect(raised.map((x) => (x as { partition: number }).partition).sort()).toEqual([0, 1, 2]);
    expect(heard.map((h) => h.partition).sort()).toEqual([0, 1, 2]);
    for (const h of heard) {
      expect(h.topic).toBe('a');
      expect(h.error).toBe(raised.find((x) => (x as { partition: number }).partition === h.partition));
    }
    expect(heard.find((h) => h.partition === 2)!.error).toBeInstanceOf(OffsetOutOfRangeError);
    // Raising the failure again (every partition failed) is not a new failure.
    await expect(within(e.next(), 3000, 'next() after all failed')).rejects.toBe(raised[0]);
    expect(heard).toHaveLength(3);
  });
});
