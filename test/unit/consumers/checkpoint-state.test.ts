import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, PendingCheckpoints } from '../../../src/consumers/checkpoint-state.js';
import { InvalidStateError } from '../../../src/consumers/index.js';

describe('PendingCheckpoints (Flink runCheckpointingTest / testSnapshot)', () => {
  it('completing one drops it and all older; unknown ids are ignored; at most 100 kept', () => {
    const p = new PendingCheckpoints<string>();
    p.add(1, 'a');
    p.add(2, 'b');
    expect(p.size).toBe(2);
    expect(p.complete(1)).toBe('a');
    expect(p.size).toBe(1);
    expect(p.complete(2)).toBe('b');
    expect(p.size).toBe(0);
    expect(p.complete(666)).toBeUndefined();

    for (let i = 100; i < 600; i++) p.add(i, `s${i}`);
    expect(p.size).toBe(100);
    expect(p.ids()[0]).toBe(500);
    expect(p.complete(598)).toBe('s598');
    expect(p.ids()).toEqual([599]);
    expect(p.complete(590)).toBeUndefined();
    expect(p.ids()).toEqual([599]);
    expect(p.complete(599)).toBe('s599');
    expect(p.size).toBe(0);
  });

  it('a later notification covers missed earlier ones', () => {
    const p = new PendingCheckpoints<number>();
    for (let i = 1; i <= 5; i++) p.add(i, i);
    expect(p.complete(4)).toBe(4);
    expect(p.ids()).toEqual([5]);
  });

  it('rejects ids that cannot be ordered', () => {
    const p = new PendingCheckpoints<number>();
    expect(() => p.add(-1, 0)).toThrow(RangeError);
    expect(() => p.add(1.5, 0)).toThrow(RangeError);
  });
});

describe('checkpoint state encoding', () => {
  it('round-trips through JSON, sorted, with symbolic and large offsets', () => {
    const m = new Map([
      ['1:b', { topic: 'b', partition: 1, offset: 9_223_372_036_854_775_807n as bigint | 'earliest' }],
      ['0:a', { topic: 'a', partition: 0, offset: 'earliest' as const }],
      ['2:a', { topic: 'a', partition: 2, offset: 0n }],
    ]);
    const s = encodeState(m);
    expect(s.offsets.map((o) => `${o.topic}/${o.partition}`)).toEqual(['a/0', 'a/2', 'b/1']);
    const back = decodeState(JSON.parse(JSON.stringify(s)));
    expect([...back.values()].map((v) => v.offset)).toEqual(['earliest', 0n, 9_223_372_036_854_775_807n]);
  });

  it('rejects anything else with InvalidStateError', () => {
    for (const bad of [
      null,
      {},
      { format: 'x', offsets: [] },
      { format: 'kafka08.consumer-offsets.v1', offsets: [{ topic: 't', partition: -1, offset: '1' }] },
      { format: 'kafka08.consumer-offsets.v1', offsets: [{ topic: 't', partition: 0, offset: '-1' }] },
      {
        format: 'kafka08.consumer-offsets.v1',
        offsets: [{ topic: 't', partition: 0, offset: '9223372036854775808' }],
      },
      { format: 'kafka08.consumer-offsets.v1', offsets: [{ topic: 't', partition: 0, offset: 5 }] },
    ]) {
      expect(() => decodeState(bad)).toThrow(InvalidStateError);
    }
  });
});
