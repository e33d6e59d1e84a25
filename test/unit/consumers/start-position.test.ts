import { describe, expect, it } from 'vitest';
import { NoCommittedOffsetError, resolveStartPosition } from '../../../src/consumers/index.js';
import { needsCommittedOffsets } from '../../../src/consumers/start-position.js';

const tp = { topic: 't', partition: 0 };
const committed = new Map([['0:t', 42n]]);
const none = new Map<string, bigint>();

describe('resolveStartPosition', () => {
  it('restored state wins over everything', () => {
    const r = resolveStartPosition(tp, {
      restored: new Map([['0:t', 7n]]),
      startFrom: 'latest',
      committed,
      autoOffsetReset: 'smallest',
    });
    expect(r).toEqual({ position: 7n, source: 'restored' });
  });

  it('explicit startFrom beats the group; specific offsets fall back to the group', () => {
    expect(
      resolveStartPosition(tp, {
        restored: undefined,
        startFrom: 'earliest',
        committed,
        autoOffsetReset: 'largest',
      }).position,
    ).toBe('earliest');
    const specific = { specificOffsets: [{ topic: 't', partition: 1, offset: 3n }] };
    expect(
      resolveStartPosition(tp, {
        restored: undefined,
        startFrom: specific,
        committed,
        autoOffsetReset: 'largest',
      }),
    ).toEqual({ position: 42n, source: 'group' });
    expect(
      resolveStartPosition(
        { topic: 't', partition: 1 },
        { restored: undefined, startFrom: specific, committed, autoOffsetReset: 'largest' },
      ).position,
    ).toBe(3n);
  });

  it('group offset, else auto.offset.reset with Kafka 0.8 and later spellings (FLINK-3341)', () => {
    expect(
      resolveStartPosition(tp, {
        restored: undefined,
        startFrom: 'group',
        committed,
        autoOffsetReset: 'largest',
      }).position,
    ).toBe(42n);
    const at = (autoOffsetReset: 'smallest' | 'earliest' | 'largest' | 'latest') =>
      resolveStartPosition(tp, { restored: undefined, startFrom: 'group', committed: none, autoOffsetReset })
        .position;
    expect(at('smallest')).toBe('earliest');
    expect(at('earliest')).toBe('earliest');
    expect(at('largest')).toBe('latest');
    expect(at('latest')).toBe('latest');
  });

  it('none without a committed offset refuses to guess', () => {
    expect(() =>
      resolveStartPosition(tp, {
        restored: undefined,
        startFrom: 'group',
        committed: none,
        autoOffsetReset: 'none',
      }),
    ).toThrow(NoCommittedOffsetError);
  });

  it('only fetches committed offsets when some partition needs them', () => {
    const restored = new Map([['0:t', 1n as bigint | 'earliest']]);
    expect(needsCommittedOffsets([tp], { restored, startFrom: 'group', autoOffsetReset: 'largest' })).toBe(
      false,
    );
    expect(
      needsCommittedOffsets([tp, { topic: 't', partition: 1 }], {
        restored,
        startFrom: 'group',
        autoOffsetReset: 'largest',
      }),
    ).toBe(true);
    expect(
      needsCommittedOffsets([tp], { restored: undefined, startFrom: 'latest', autoOffsetReset: 'largest' }),
    ).toBe(false);
  });
});
