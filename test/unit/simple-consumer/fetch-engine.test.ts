import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  type LeaderChangeEvent,
  MessageTooLargeError,
  OffsetOutOfRangeError,
  type OffsetResetEvent,
  type RetriableErrorEvent,
  UnknownAssignmentError,
} from '../../../src/simple-consumer/fetch-engine/index.js';
import { key } from './fetch-engine-fake-cluster.js';
import { engineHarness, range, rejection, take, values } from './fetch-engine-harness.js';

// Flow control and broker failures: fetch-engine-flow.test.ts.
const { cluster, engine } = engineHarness();

describe('FetchEngine: reading', () => {
  it('reads several partitions on two brokers in order, exactly once, positions following batches', async () => {
    const c = await cluster(2);
    c.addPartition('t', 0, 0);
    c.addPartition('t', 1, 1);
    c.append('t', 0, range('a', 0, 50));
    c.append('t', 1, range('b', 0, 30));
    const e = engine(c, { fetchSizeBytes: 300 });
    e.assign([
      { topic: 't', partition: 0, offset: 0n },
      { topic: 't', partition: 1, offset: 0n },
    ]);
    const got = await take(e, 80);
    expect(values(got, 't', 0)).toEqual(range('a', 0, 50));
    expect(values(got, 't', 1)).toEqual(range('b', 0, 30));
    expect(e.position('t', 0)).toBe(50n);
    expect(e.position('t', 1)).toBe(30n);
    for (const b of got) {
      expect(b.messages[0]?.offset).toBe(b.fetchOffset);
      expect(b.nextOffset).toBe(b.messages.at(-1)!.offset + 1n);
    }
    // Messages appended later arrive through the long poll.
    c.append('t', 1, ['late']);
    expect(values(await take(e, 1))).toEqual(['late']);
  });

  it('drops the messages of a compressed wrapper below the requested offset', async () => {
    const c = await cluster(1);
    c.addPartition('z', 0, 0);
    c.append('z', 0, range('m', 0, 10), 1);
    const e = engine(c);
    e.assign([{ topic: 'z', partition: 0, offset: 4n }]);
    const got = await take(e, 6);
    expect(values(got)).toEqual(range('m', 4, 10));
    expect(got[0]?.messages[0]?.offset).toBe(4n);
  });

  it('resolves earliest and latest start positions at the leader', async () => {
    const c = await cluster(1);
    c.addPartition('s', 0, 0, 5n);
    c.append('s', 0, range('x', 5, 10));
    const e = engine(c);
    e.assign([{ topic: 's', partition: 0, offset: 'earliest' }]);
    expect(values(await take(e, 5))).toEqual(range('x', 5, 10));
    e.seek('s', 0, 'latest');
    await new Promise((r) => setTimeout(r, 100));
    expect(e.position('s', 0)).toBe(10n);
    c.append('s', 0, ['new']);
    expect(values(await take(e, 1))).toEqual(['new']);
  });

  it('adds and removes partitions at runtime', async () => {
    const c = await cluster(1);
    c.addPartition('r', 0, 0);
    c.addPartition('r', 1, 0);
    c.append('r', 0, ['p0']);
    c.append('r', 1, ['p1']);
    const e = engine(c);
    e.assign([{ topic: 'r', partition: 0, offset: 0n }]);
    expect(values(await take(e, 1))).toEqual(['p0']);
    e.assign([{ topic: 'r', partition: 1, offset: 0n }]);
    expect(values(await take(e, 1))).toEqual(['p1']);
    e.unassign([{ topic: 'r', partition: 0 }]);
    c.append('r', 0, ['gone']);
    c.append('r', 1, ['stays']);
    expect(values(await take(e, 1))).toEqual(['stays']);
    const before = c.fetches.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(c.fetches.length).toBeGreaterThan(before);
    expect(c.fetches.slice(before).flatMap((f) => f.partitions.map((p) => p.partition))).not.toContain(0);
    expect(() => e.position('r', 0)).toThrow(UnknownAssignmentError);
  });
});

describe('FetchEngine: errors handled in place', () => {
  it('follows a leader move: NotLeaderForPartition, metadata, the new broker, same position', async () => {
    const c = await cluster(2);
    c.addPartition('m', 0, 0);
    c.append('m', 0, range('v', 0, 10));
    const e = engine(c);
    const moves: LeaderChangeEvent[] = [];
    e.on('leader-change', (ev) => moves.push(ev));
    e.assign([{ topic: 'm', partition: 0, offset: 0n }]);
    const first = await take(e, 10);
    c.leaders.set(key('m', 0), 1);
    c.append('m', 0, range('v', 10, 20));
    const second = await take(e, 10);
    expect(values([...first, ...second])).toEqual(range('v', 0, 20));
    expect(moves).toEqual([{ topic: 'm', partition: 0, from: 0, to: 1 }]);
    const lastOnOld = c.fetches.filter((f) => f.brokerId === 0).at(-1);
    expect(lastOnOld?.partitions[0]?.fetchOffset).toBe(10n);
    expect(c.fetches.find((f) => f.brokerId === 1)?.partitions[0]?.fetchOffset).toBe(10n);
  });

  it('retries LeaderNotAvailable, UnknownTopicOrPartition, error -1 and KafkaStorageError without losing the position', async () => {
    const c = await cluster(1);
    c.addPartition('l', 0, 0);
    c.append('l', 0, range('v', 0, 3));
    c.inject(
      'l',
      0,
      ErrorCode.LEADER_NOT_AVAILABLE,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_SERVER_ERROR,
      ErrorCode.KAFKA_STORAGE_ERROR,
    );
    const e = engine(c);
    const errors: RetriableErrorEvent[] = [];
    e.on('error', (ev) => errors.push(ev));
    e.assign([{ topic: 'l', partition: 0, offset: 0n }]);
    expect(values(await take(e, 3))).toEqual(range('v', 0, 3));
    expect(errors.map((x) => (x.error as { code?: number }).code)).toEqual([5, 3, -1, 56]);
  });

  for (const [policy, expected, target] of [
    ['smallest', range('v', 20, 30), 'earliest'],
    ['earliest', range('v', 20, 30), 'earliest'],
    ['largest', ['after'], 'latest'],
    ['latest', ['after'], 'latest'],
  ] as const) {
    it(`resets an out-of-range offset with auto.offset.reset=${policy}`, async () => {
      const c = await cluster(1);
      c.addPartition('o', 0, 0);
      c.append('o', 0, range('v', 0, 30));
      c.truncateBefore('o', 0, 20n);
      const e = engine(c, { autoOffsetReset: policy });
      const resets: OffsetResetEvent[] = [];
      e.on('offset-reset', (ev) => resets.push(ev));
      e.assign([{ topic: 'o', partition: 0, offset: 3n }]);
      if (target === 'latest') {
        await new Promise((r) => setTimeout(r, 200));
        c.append('o', 0, ['after']);
      }
      expect(values(await take(e, expected.length))).toEqual(expected);
      expect(resets).toEqual([
        {
          topic: 'o',
          partition: 0,
          from: 3n,
          to: target === 'earliest' ? 20n : 30n,
          target,
          // Below the log start; a log end above the offset cannot say which side it lay on.
          beyondLogEnd: target === 'earliest' ? false : undefined,
        },
      ]);
    });
  }

  for (const policy of ['smallest', 'largest'] as const) {
    it(`says a reset came from a log cut beneath the reader (auto.offset.reset=${policy})`, async () => {
      const c = await cluster(1);
      c.addPartition('cut', 0, 0);
      c.append('cut', 0, range('v', 0, 30));
      const e = engine(c, { autoOffsetReset: policy });
      const resets: OffsetResetEvent[] = [];
      e.on('offset-reset', (ev) => resets.push(ev));
      e.assign([{ topic: 'cut', partition: 0, offset: 0n }]);
      expect(values(await take(e, 30))).toEqual(range('v', 0, 30));
      // A new leader whose log ends at 20; what it takes next reuses offsets 20 and on.
      c.truncateFrom('cut', 0, 20n);
      while (resets.length === 0) await new Promise((r) => setTimeout(r, 10));
      c.append('cut', 0, ['new-20', 'new-21']);
      const replay = policy === 'smallest' ? range('v', 0, 20) : [];
      expect(values(await take(e, replay.length + 2))).toEqual([...replay, 'new-20', 'new-21']);
      expect(resets).toEqual([
        {
          topic: 'cut',
          partition: 0,
          from: 30n,
          to: policy === 'smallest' ? 0n : 20n,
          target: policy === 'smallest' ? 'earliest' : 'latest',
          beyondLogEnd: true,
        },
      ]);
    });
  }

  it('raises OffsetOutOfRangeError with auto.offset.reset=none and keeps the other partitions going', async () => {
    const c = await cluster(1);
    c.addPartition('n', 0, 0, 100n);
    c.addPartition('n', 1, 0);
    c.append('n', 1, ['ok']);
    const e = engine(c, { autoOffsetReset: 'none' });
    e.assign([
      { topic: 'n', partition: 0, offset: 7n },
      { topic: 'n', partition: 1, offset: 0n },
    ]);
    const seen: unknown[] = [];
    for (let i = 0; i < 2; i++) seen.push(await e.next().catch((err: unknown) => err));
    const err = seen.find((x) => x instanceof OffsetOutOfRangeError) as OffsetOutOfRangeError;
    expect(err).toBeInstanceOf(OffsetOutOfRangeError);
    expect([err.topic, err.partition, err.offset]).toEqual(['n', 0, 7n]);
    expect(seen.find((x) => !(x instanceof Error))).toMatchObject({ partition: 1 });
    // The failed partition resumes once the caller seeks it.
    c.append('n', 0, ['at-100']);
    e.seek('n', 0, 100n);
    expect(values(await take(e, 1))).toEqual(['at-100']);
  });

  it('grows the fetch size for a message bigger than it, then raises MessageTooLargeError at the ceiling', async () => {
    const c = await cluster(1);
    c.addPartition('big', 0, 0);
    c.append('big', 0, ['small', 'x'.repeat(5000), 'after', 'y'.repeat(20_000)]);
    const e = engine(c, { fetchSizeBytes: 100, maxFetchSizeBytes: 10_000 });
    const grown: number[] = [];
    e.on('fetch-size-grown', (ev) => grown.push(ev.to));
    e.assign([{ topic: 'big', partition: 0, offset: 0n }]);
    const got = await take(e, 3);
    expect(values(got).map((v) => v.length)).toEqual([5, 5000, 5]);
    // Straight to the entry size the header announced: 12 (offset, size) + 14 + 5000.
    expect(grown).toEqual([5026]);
    const err = await rejection(e.next());
    expect(err).toBeInstanceOf(MessageTooLargeError);
    const tooLarge = err as MessageTooLargeError;
    expect([tooLarge.topic, tooLarge.partition, tooLarge.offset]).toEqual(['big', 0, 3n]);
    expect(tooLarge.messageBytes).toBe(20_026);
    expect(tooLarge.maxFetchBytes).toBe(10_000);
  });

  it('doubles the fetch size when not even the entry header arrived', async () => {
    const c = await cluster(1);
    c.addPartition('h', 0, 0);
    c.append('h', 0, ['z'.repeat(40)]);
    const e = engine(c, { fetchSizeBytes: 8, maxFetchSizeBytes: 1000 });
    const grown: number[] = [];
    e.on('fetch-size-grown', (ev) => grown.push(ev.to));
    e.assign([{ topic: 'h', partition: 0, offset: 0n }]);
    expect(values(await take(e, 1))).toEqual(['z'.repeat(40)]);
    // 8 bytes hold no header: double; 16 do: straight to 12 + 14 + 40.
    expect(grown).toEqual([16, 66]);
  });
});
