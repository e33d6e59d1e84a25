import { describe, expect, it } from 'vitest';
import type { PartitionPosition } from '../../../src/consumers/record-reader.js';
import { RecordReader } from '../../../src/consumers/record-reader.js';
import {
  JsonSchema,
  RawBytesSchema,
  SimpleStringSchema,
  toKeyedSchema,
} from '../../../src/consumers/schemas.js';

function batch(values: (string | null)[], first = 10n) {
  return {
    topic: 't',
    partition: 0,
    messages: values.map((v, i) => ({
      offset: first + BigInt(i),
      key: null,
      value: v === null ? null : Buffer.from(v),
    })),
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
});
