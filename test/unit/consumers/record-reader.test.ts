import { describe, expect, it } from 'vitest';
import type { PartitionPosition } from '../../../src/consumers/record-reader.js';
import { RecordReader } from '../../../src/consumers/record-reader.js';
import {
  type AnySchema,
  JsonSchema,
  KafkaRecordSchema,
  RawBytesSchema,
  SimpleStringSchema,
  toKeyedSchema,
} from '../../../src/consumers/schemas.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { LazyMessageBatch } from '../../../src/simple-consumer/fetch-engine/message-batch.js';

/** A real batch over an encoded set; `noMessages` makes reading its Message form throw. */
function batch(values: (string | null)[], first = 10n, opts: { noMessages?: boolean } = {}) {
  const set = encodeMessageSet(
    values.map((v) => ({ key: null, value: v === null ? null : Buffer.from(v) })),
    { baseOffset: first },
  );
  const end = first + BigInt(values.length);
  const b = new LazyMessageBatch('t', 0, set, first, end, end, false);
  b.verify(true);
  if (opts.noMessages) {
    Object.defineProperty(b, 'messages', {
      get() {
        throw new Error('the Message form was read');
      },
    });
  }
  return Object.assign(b, { frame: set });
}

/** `keyed` wraps a value-only schema, so the reader takes its keyed path instead. */
function setup<T>(schema: AnySchema<T>, opts: { keyed?: boolean; first?: bigint } = {}) {
  const first = opts.first ?? 10n;
  const positions = new Map<string, PartitionPosition>([
    ['0:t', { topic: 't', partition: 0, offset: first }],
  ]);
  const ends: bigint[] = [];
  const reader = new RecordReader(opts.keyed ? toKeyedSchema(schema) : schema, positions, (_tp, o) =>
    ends.push(o),
  );
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

  it('schemas get bytes copied out of the response, through next() and rest() alike', () => {
    for (const read of ['next', 'rest'] as const) {
      const { reader } = setup(new RawBytesSchema());
      const b = batch(['xy', 'zw']);
      reader.take(b);
      const values = read === 'next' ? [reader.next()!.value, reader.next()!.value] : reader.rest()!.records;
      b.frame.fill(0);
      expect(values.map(String)).toEqual(['xy', 'zw']);
      for (const v of values) {
        expect(v.buffer).not.toBe(b.frame.buffer);
        // A kept value pins its chunk, not the response.
        expect(v.buffer.byteLength).toBeLessThanOrEqual(16 * 1024);
      }
    }
  });

  it('a kept key pins a chunk of the set, not the response', () => {
    const { reader } = setup(new KafkaRecordSchema());
    const big = Buffer.alloc(64 * 1024, 1);
    const set = encodeMessageSet(
      Array.from({ length: 40 }, (_, i) => ({
        key: Buffer.from(`k${i}`),
        value: i === 7 ? big : Buffer.from('v'),
      })),
      { baseOffset: 10n },
    );
    const b = new LazyMessageBatch('t', 0, set, 10n, 50n, 50n, false);
    b.verify(true);
    reader.take(b);
    const records = reader.rest()!.records;
    expect(records.map((r) => r.key!.toString())).toEqual(Array.from({ length: 40 }, (_, i) => `k${i}`));
    expect(records[7]!.value!.equals(big)).toBe(true);
    for (const r of records) {
      expect(r.key!.buffer).not.toBe(set.buffer);
      // Only the 64 KiB message's own chunk is bigger than 16 KiB.
      if (r.offset !== 17n) expect(r.key!.buffer.byteLength).toBeLessThanOrEqual(16 * 1024);
    }
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
      const a = setup(keyed, { keyed: round % 2 === 1 });
      const b = setup(keyed, { keyed: round % 4 < 2 });
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

  it('value-only and keyed schemas stop at the exact offset, beyond 2^53 too', () => {
    const first = 2n ** 53n + 3n;
    for (const keyed of [false, true]) {
      const ending = setup(new SimpleStringSchema({ endMarker: 'END' }), { keyed, first });
      ending.reader.take(batch(['a', 'b', 'END', 'd'], first));
      expect(ending.reader.rest()!.records).toEqual(['a', 'b']);
      expect([ending.pos.offset, ending.ends]).toEqual([first + 2n, [first + 2n]]);
      const failing = setup(new JsonSchema({ strict: true }), { keyed, first });
      failing.reader.take(batch(['1', 'oops', '3'], first));
      expect(failing.reader.rest()!.records).toEqual([1]);
      expect(failing.pos.offset).toBe(first + 1n);
      expect(() => failing.reader.rest()).toThrow(SyntaxError);
    }
    const records = setup(new KafkaRecordSchema(), { first });
    records.reader.take(batch(['a', 'b'], first));
    expect(records.reader.rest()!.records.map((r) => r.offset)).toEqual([first, first + 1n]);
    expect(records.pos.offset).toBe(first + 2n);
  });

  it('refuses an object that is neither schema form', () => {
    const positions = new Map<string, PartitionPosition>();
    for (const bad of [{}, { deserialize: () => null }, null])
      expect(() => new RecordReader(bad as unknown as AnySchema<unknown>, positions, () => {})).toThrow(
        TypeError,
      );
  });
});
