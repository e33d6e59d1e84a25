import { describe, expect, it } from 'vitest';
import type { PartitionPosition } from '../../../src/consumers/record-reader.js';
import { RecordReader } from '../../../src/consumers/record-reader.js';
import {
  JsonSchema,
  RawBytesSchema,
  SimpleStringSchema,
  toKeyedSchema,
} from '../../../src/consumers/schemas.js';

type Visit = (offset: bigint, key: Buffer | null, value: Buffer | null) => void;

function batch(values: (string | null)[], first = 10n, opts: { noMessages?: boolean } = {}) {
  const messages = values.map((v, i) => ({
    offset: first + BigInt(i),
    key: null,
    value: v === null ? null : Buffer.from(v),
  }));
  let messagesRead = 0;
  return {
    topic: 't',
    partition: 0,
    get messages() {
      messagesRead++;
      if (opts.noMessages) throw new Error('the Message form was read');
      return messages;
    },
    get messagesRead() {
      return messagesRead;
    },
    count: messages.length,
    forEachMessage(visit: Visit) {
      for (const m of messages) visit(m.offset, m.key, m.value);
    },
    highWatermark: first + BigInt(values.length),
    fetchOffset: first,
    nextOffset: first + BigInt(values.length),
  };
}

function setup<T>(schema: Parameters<typeof toKeyedSchema<T>>[0]) {
  const positions = new Map<string, PartitionPosition>([['0:t', { topic: 't', partition: 0, offset: 10n }]]);
  const ends: bigint[] = [];
  const reader = new RecordReader(toKeyedSchema(schema), positions, (_tp, o) => ends.push(o));
  return { reader, pos: positions.get('0:t')!, ends };
}

describe('RecordReader', () => {
  it('moves the position with each record handed out, and to nextOffset at the end', () => {
    const { reader, pos } = setup(new SimpleStringSchema());
    reader.take(batch(['a', 'b']));
    expect(pos.offset).toBe(10n);
    expect(reader.next()).toEqual({ value: 'a' });
    expect(pos.offset).toBe(11n);
    expect(reader.next()).toEqual({ value: 'b' });
    expect(pos.offset).toBe(12n);
    expect(reader.next()).toBeUndefined();
    expect(reader.busy).toBe(false);
  });

  it('skips null results (tombstones, unparseable) but counts them consumed', () => {
    const { reader, pos } = setup(new JsonSchema());
    reader.take(batch(['{"a":1}', null, 'not json', '2']));
    const b = reader.rest()!;
    expect(b.records).toEqual([{ a: 1 }, 2]);
    expect(pos.offset).toBe(14n);
    expect(b.nextOffset).toBe(14n);
  });

  it('stops in front of an end-of-stream element', () => {
    const { reader, pos, ends } = setup(new SimpleStringSchema({ endMarker: 'END' }));
    reader.take(batch(['a', 'END', 'c']));
    expect(reader.rest()!.records).toEqual(['a']);
    expect(pos.offset).toBe(11n);
    expect(ends).toEqual([11n]);
  });

  it('a throwing schema leaves the position in front of the failing record', () => {
    const schema = {
      deserialize: (v: Buffer | null) => {
        if (v?.toString() === 'bad') throw new Error('boom');
        return v?.toString() ?? null;
      },
      isEndOfStream: () => false,
    };
    const { reader, pos } = setup(schema);
    reader.take(batch(['a', 'bad', 'c']));
    expect(reader.rest()!.records).toEqual(['a']);
    expect(pos.offset).toBe(11n);
  });

  it('raw bytes are copied out of the fetch buffer', () => {
    const { reader } = setup(new RawBytesSchema());
    const b = batch(['xy']);
    reader.take(b);
    const v = reader.next()!.value;
    b.messages[0]!.value!.fill(0);
    expect(v.toString()).toBe('xy');
  });

  it('rest() of a fresh batch goes through the visitor and builds no Message objects', () => {
    const { reader, pos } = setup(new SimpleStringSchema());
    reader.take(batch(['a', 'b', 'c'], 10n, { noMessages: true }));
    expect(reader.rest()!.records).toEqual(['a', 'b', 'c']);
    expect(pos.offset).toBe(13n);
    expect(reader.busy).toBe(false);
  });

  it('rest() after next() hands out the remainder from where next() left off', () => {
    const { reader, pos } = setup(new SimpleStringSchema());
    reader.take(batch(['a', 'b', 'c']));
    expect(reader.next()).toEqual({ value: 'a' });
    expect(reader.rest()!.records).toEqual(['b', 'c']);
    expect(pos.offset).toBe(13n);
  });

  it('after a failing record, the next call throws it again and then reads on past a fixed schema', () => {
    let broken = true;
    const schema = {
      deserialize: (v: Buffer | null) => {
        if (broken && v?.toString() === 'bad') throw new Error('boom');
        return v?.toString() ?? null;
      },
      isEndOfStream: () => false,
    };
    const { reader, pos } = setup(schema);
    reader.take(batch(['a', 'b', 'bad', 'd']));
    expect(reader.rest()!.records).toEqual(['a', 'b']);
    expect(pos.offset).toBe(12n);
    expect(() => reader.rest()).toThrow('boom');
    expect(pos.offset).toBe(12n);
    broken = false;
    expect(reader.rest()!.records).toEqual(['bad', 'd']);
    expect(pos.offset).toBe(14n);
  });

  it('the visitor path and the record-by-record path agree on records, positions and ends', () => {
    // Fixed-seed sequences of values, tombstones, unparseable JSON and end markers.
    let x = 12345;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x % n;
    };
    const kinds = ['1', '"s"', null, 'oops', 'END'];
    for (let round = 0; round < 200; round++) {
      const values = Array.from({ length: 1 + rnd(12) }, () => kinds[rnd(kinds.length)]!);
      const schema = {
        deserialize: (v: Buffer | null) => (v === null ? null : v.toString()),
        isEndOfStream: (s: string) => s === 'END',
      };
      const json = new JsonSchema();
      const keyed = {
        deserialize: (v: Buffer | null) => {
          const s = schema.deserialize(v);
          return s === 'END' ? 'END' : json.deserialize(v);
        },
        isEndOfStream: (s: unknown) => s === 'END',
      };
      const a = setup(keyed);
      const b = setup(keyed);
      a.reader.take(batch(values));
      b.reader.take(batch(values));
      const viaRest = a.reader.rest()?.records ?? [];
      const viaNext: unknown[] = [];
      for (let r = b.reader.next(); r !== undefined; r = b.reader.next()) viaNext.push(r.value);
      expect(viaRest).toEqual(viaNext);
      expect(a.pos.offset).toBe(b.pos.offset);
      expect(a.ends).toEqual(b.ends);
      expect(a.reader.busy).toBe(b.reader.busy);
    }
  });
});
