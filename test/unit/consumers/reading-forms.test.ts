import { describe, expect, it } from 'vitest';
import { type ReadableSource, toReadable } from '../../../src/consumers/readable.js';
import {
  NO_RECORD,
  type NoRecord,
  type PartitionPosition,
  RecordReader,
} from '../../../src/consumers/record-reader.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import { UnfinishedRecords } from '../../../src/consumers/unfinished-records.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { LazyMessageBatch } from '../../../src/simple-consumer/fetch-engine/message-batch.js';

// The record-at-a-time fast paths: a batch decoded once and handed out record by record, the
// reused bookkeeping of unfinished records, and the stream's own async iterator.

/** One batch from runs of consecutive offsets: `[[10n, ['a', 'b']], [20n, ['c']]]` has a gap. */
function batch(runs: [bigint, (string | null)[]][]) {
  const set = Buffer.concat(
    runs.map(([base, values]) =>
      encodeMessageSet(
        values.map((v) => ({ key: null, value: v === null ? null : Buffer.from(v) })),
        { baseOffset: base },
      ),
    ),
  );
  const [first] = runs[0]!;
  const [lastBase, lastValues] = runs[runs.length - 1]!;
  const end = lastBase + BigInt(lastValues.length);
  const b = new LazyMessageBatch('t', 0, set, first, end, end, false);
  b.verify(true);
  return b;
}

function setup<T>(schema: ConstructorParameters<typeof RecordReader<T>>[0], first: bigint) {
  const positions = new Map<string, PartitionPosition>([
    ['0:t', { topic: 't', partition: 0, offset: first }],
  ]);
  const ends: bigint[] = [];
  const reader = new RecordReader(schema, positions, (_tp, o) => ends.push(o));
  return { reader, pos: positions.get('0:t')!, ends };
}

describe('record by record from a decoded batch', () => {
  for (const first of [10n, 2n ** 53n - 1n]) {
    it(`positions and record offsets are exact across a gap (first offset ${first})`, () => {
      const { reader, pos } = setup(new SimpleStringSchema(), first);
      reader.take(
        batch([
          [first, ['a', null]],
          [first + 10n, ['c', 'd']],
        ]),
      );
      const seen: [string, bigint, bigint][] = [];
      for (let v = reader.nextValue(); v !== NO_RECORD; v = reader.nextValue()) {
        seen.push([v, reader.unfinished.latestStart()!.offset, pos.offset as bigint]);
      }
      expect(seen).toEqual([
        ['a', first, first + 1n],
        ['c', first + 10n, first + 11n],
        ['d', first + 11n, first + 12n],
      ]);
      expect(pos.offset).toBe(first + 12n);
      expect(reader.busy).toBe(false);
    });
  }

  it('a failing record throws at its turn, runs the schema again at the next call, then reads on', () => {
    let broken = true;
    const calls: string[] = [];
    const schema = {
      deserialize: (v: Buffer | null) => {
        const s = v!.toString();
        calls.push(s);
        if (broken && s === 'bad') throw new Error('boom');
        return s;
      },
      isEndOfStream: () => false,
    };
    const { reader, pos } = setup(schema, 10n);
    reader.take(batch([[10n, ['a', 'bad', 'c']]]));
    expect(reader.nextValue()).toBe('a');
    expect(() => reader.nextValue()).toThrow('boom');
    expect(pos.offset).toBe(11n);
    expect(() => reader.nextValue()).toThrow('boom');
    broken = false;
    expect(reader.nextValue()).toBe('bad');
    expect(reader.nextValue()).toBe('c');
    expect(reader.nextValue()).toBe(NO_RECORD);
    expect(pos.offset).toBe(13n);
    // Each record once per attempt, in order, and nothing past a failure until it is passed.
    expect(calls).toEqual(['a', 'bad', 'bad', 'bad', 'c']);
  });

  it('stops in front of an end-of-stream element after handing out what precedes it', () => {
    const { reader, pos, ends } = setup(new SimpleStringSchema({ endMarker: 'END' }), 10n);
    reader.take(batch([[10n, ['a', 'END', 'b']]]));
    expect(reader.nextValue()).toBe('a');
    expect(ends).toEqual([]);
    expect(reader.nextValue()).toBe(NO_RECORD);
    expect([pos.offset, ends, reader.busy]).toEqual([11n, [11n], false]);
  });

  it('rest() after some records went out one by one hands out exactly the remainder', () => {
    const { reader, pos } = setup(new SimpleStringSchema(), 10n);
    reader.take(batch([[10n, ['a', 'b', null, 'd']]]));
    expect(reader.nextValue()).toBe('a');
    expect(reader.rest()!.records).toEqual(['b', 'd']);
    expect(pos.offset).toBe(14n);
  });
});

describe('UnfinishedRecords', () => {
  it('agrees with a plain list under random hand-outs and finishes', () => {
    const u = new UnfinishedRecords();
    const pos: PartitionPosition = { topic: 't', partition: 0, offset: 0n };
    let model: { from: bigint; seq: number }[] = [];
    let x = 7;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x % n;
    };
    for (let step = 0; step < 5000; step++) {
      const op = rnd(10);
      if (op < 6) {
        const from = pos.offset as bigint;
        pos.offset = from + 1n;
        model.push({ from, seq: u.handedOut(pos, from) });
      } else if (op < 9 && model.length > 0) {
        const seq = model[rnd(model.length)]!.seq + rnd(2);
        u.finishBefore(seq);
        model = model.filter((e) => e.seq >= seq);
      } else if (op === 9) {
        u.finishAll();
        model = [];
      }
      expect(u.committable(pos)).toBe(model[0]?.from ?? pos.offset);
      expect(u.latestStart()?.offset).toBe(model[model.length - 1]?.from);
    }
  });
});

/** A source of `n` records, `inHand` at a time before a wait; notes what was taken. */
function source(n: number, inHand: number) {
  let next = 0;
  let seq = 0;
  const finishedBefore: number[] = [];
  let closed = false;
  const one = (): string | NoRecord => {
    if (next >= n) return NO_RECORD;
    seq++;
    return `r${next++}`;
  };
  const s: ReadableSource<string> = {
    takeNow: () => (next % inHand === 0 ? NO_RECORD : one()),
    take: async () => {
      await new Promise((r) => setTimeout(r, 1));
      return one();
    },
    latest: () => seq,
    taken: (q) => finishedBefore.push(q),
    drained: () => finishedBefore.push(Number.POSITIVE_INFINITY),
    close: async () => {
      closed = true;
    },
  };
  return { s, finishedBefore, isClosed: () => closed };
}

describe("the stream's async iterator", () => {
  it('yields every record in order and ends, with each record taken as the next is asked for', async () => {
    const src = source(25, 4);
    const got: string[] = [];
    for await (const v of toReadable(src.s, 1)) got.push(v as string);
    expect(got).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
    expect(src.finishedBefore.slice(0, 3)).toEqual([1, 2, 3]);
    expect(src.finishedBefore[src.finishedBefore.length - 1]).toBe(Number.POSITIVE_INFINITY);
  });

  it('leaving the loop destroys the stream and closes the source; the record in hand stays unfinished', async () => {
    const src = source(100, 10);
    const stream = toReadable(src.s, 1);
    const got: string[] = [];
    for await (const v of stream) {
      got.push(v as string);
      if (got.length === 3) break;
    }
    await new Promise((r) => setImmediate(r));
    expect(stream.destroyed).toBe(true);
    expect(src.isClosed()).toBe(true);
    expect(Math.max(...src.finishedBefore)).toBe(3);
  });

  it('answers overlapping next() calls in call order, through waits', async () => {
    const src = source(12, 3);
    const it = toReadable(src.s, 1)[Symbol.asyncIterator]();
    const results = await Promise.all(Array.from({ length: 14 }, () => it.next()));
    expect(results.map((r) => r.value)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `r${i}`),
      undefined,
      undefined,
    ]);
    expect(results.map((r) => r.done)).toEqual([...Array(12).fill(false), true, true]);
  });

  it('rejects with the error the stream failed with', async () => {
    const src = source(10, 4);
    const failing: ReadableSource<string> = {
      ...src.s,
      take: async () => {
        throw new Error('fetch failed');
      },
    };
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const v of toReadable(failing, 1)) got.push(v as string);
      })(),
    ).rejects.toThrow('fetch failed');
    expect(got).toEqual([]);
  });

  it('a record that fails in hand destroys the stream (closing the source) and rejects the loop', async () => {
    const src = source(20, 100);
    let n = 0;
    const failing: ReadableSource<string> = {
      ...src.s,
      takeNow: () => {
        if (++n === 6) throw new Error('bad record');
        return src.s.takeNow();
      },
    };
    const stream = toReadable(failing, 1);
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const v of stream) got.push(v as string);
      })(),
    ).rejects.toThrow('bad record');
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => `r${i}`));
    expect([stream.destroyed, src.isClosed()]).toEqual([true, true]);
  });

  it('with a larger highWaterMark every record still comes once, in order', async () => {
    for (const inHand of [1, 2, 7]) {
      const src = source(40, inHand);
      const got: string[] = [];
      for await (const v of toReadable(src.s, 5)) got.push(v as string);
      expect(got).toEqual(Array.from({ length: 40 }, (_, i) => `r${i}`));
    }
  });
});
