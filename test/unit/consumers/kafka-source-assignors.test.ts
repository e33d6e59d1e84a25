import { describe, expect, it } from 'vitest';
import { RoundRobinMismatchError, threadsForTopic } from '../../../src/consumers/group/assignors.js';
import {
  type AssignmentInput,
  javaStringHash,
  rangeAssign,
  roundRobinAssign,
} from '../../../src/consumers/index.js';

const subs = (entries: [string, [string, number][]][]) =>
  new Map(entries.map(([id, topics]) => [id, new Map(topics)]));

function input(consumerId: string, members: AssignmentInput['members'], partitions: [string, number[]][]) {
  return { consumerId, mine: members.get(consumerId) ?? new Map(), members, partitions: new Map(partitions) };
}

const owned = (list: { topic: string; partition: number; threadId: string }[]) =>
  list.map((o) => `${o.topic}/${o.partition}@${o.threadId}`);

describe('thread ids sort as Java strings', () => {
  it('x-10 sorts between x-1 and x-2', () => {
    const m = subs([['x', [['t', 11]]]]);
    expect(threadsForTopic(m, 't')).toEqual([
      'x-0',
      'x-1',
      'x-10',
      'x-2',
      'x-3',
      'x-4',
      'x-5',
      'x-6',
      'x-7',
      'x-8',
      'x-9',
    ]);
  });

  it('upper case before lower case, by UTF-16 code unit (not locale order)', () => {
    const m = subs([
      ['b', [['t', 1]]],
      ['B', [['t', 1]]],
      ['a', [['t', 1]]],
    ]);
    expect(threadsForTopic(m, 't')).toEqual(['B-0', 'a-0', 'b-0']);
  });
});

describe('range (Kafka 0.8.2 RangeAssignor), hand-computed', () => {
  it('6 partitions over two members: 3 and 3, in sorted member order', () => {
    const m = subs([
      ['g_b', [['t', 1]]],
      ['g_a', [['t', 1]]],
    ]);
    const parts: [string, number[]][] = [['t', [5, 3, 1, 0, 2, 4]]];
    expect(owned(rangeAssign(input('g_a', m, parts)))).toEqual(['t/0@g_a-0', 't/1@g_a-0', 't/2@g_a-0']);
    expect(owned(rangeAssign(input('g_b', m, parts)))).toEqual(['t/3@g_b-0', 't/4@g_b-0', 't/5@g_b-0']);
  });

  it('7 partitions over threads g_a-0, g_b-0, g_b-1: the first thread takes the extra one', () => {
    const m = subs([
      ['g_a', [['t', 1]]],
      ['g_b', [['t', 2]]],
    ]);
    const parts: [string, number[]][] = [['t', [0, 1, 2, 3, 4, 5, 6]]];
    expect(owned(rangeAssign(input('g_a', m, parts)))).toEqual(['t/0@g_a-0', 't/1@g_a-0', 't/2@g_a-0']);
    expect(owned(rangeAssign(input('g_b', m, parts)))).toEqual([
      't/3@g_b-0',
      't/4@g_b-0',
      't/5@g_b-1',
      't/6@g_b-1',
    ]);
  });

  it('11 streams, 22 partitions: x-10 is third in order and gets partitions 4 and 5', () => {
    const m = subs([['x', [['t', 11]]]]);
    const r = rangeAssign(input('x', m, [['t', Array.from({ length: 22 }, (_, i) => i)]]));
    expect(r.filter((o) => o.threadId === 'x-10').map((o) => o.partition)).toEqual([4, 5]);
    expect(r.filter((o) => o.threadId === 'x-2').map((o) => o.partition)).toEqual([6, 7]);
    expect(r).toHaveLength(22);
  });

  it('more threads than partitions: the last threads get nothing; topics computed independently', () => {
    const m = subs([
      [
        'a',
        [
          ['t', 1],
          ['u', 1],
        ],
      ],
      [
        'b',
        [
          ['t', 1],
          ['u', 1],
        ],
      ],
      ['c', [['t', 1]]],
    ]);
    const parts: [string, number[]][] = [
      ['t', [0, 1]],
      ['u', [0, 1, 2]],
    ];
    expect(owned(rangeAssign(input('a', m, parts)))).toEqual(['t/0@a-0', 'u/0@a-0', 'u/1@a-0']);
    expect(owned(rangeAssign(input('b', m, parts)))).toEqual(['t/1@b-0', 'u/2@b-0']);
    expect(owned(rangeAssign(input('c', m, parts)))).toEqual([]);
  });

  it('a topic without partitions (not created yet) assigns nothing', () => {
    const m = subs([['a', [['t', 1]]]]);
    expect(rangeAssign(input('a', m, [['t', []]]))).toEqual([]);
    expect(rangeAssign(input('a', m, []))).toEqual([]);
  });
});

describe('roundrobin (Kafka 0.8.2 RoundRobinAssignor), hand-computed', () => {
  it('reproduces Java String.hashCode', () => {
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('[t,0]')).toBe(87540032);
    // Wraps to a negative int: compared signed, so it sorts first.
    expect(javaStringHash('[beta,0]')).toBe(-535395666);
    expect(javaStringHash('[alpha,0]')).toBe(650873494);
  });

  it('sorts all pairs by signed hash (beta before alpha here), then deals them over sorted threads', () => {
    // Hashes: [beta,0..3] = -535395666, -535395635, -535395604, -535395573;
    //         [alpha,0..2] = 650873494, 650873525, 650873556.
    // Dealt over c1-0, c2-0: beta0 c1, beta1 c2, beta2 c1, beta3 c2, alpha0 c1, alpha1 c2, alpha2 c1.
    const both: [string, number][] = [
      ['alpha', 1],
      ['beta', 1],
    ];
    const m = subs([
      ['c2', both],
      ['c1', both],
    ]);
    const parts: [string, number[]][] = [
      ['alpha', [0, 1, 2]],
      ['beta', [0, 1, 2, 3]],
    ];
    expect(owned(roundRobinAssign(input('c1', m, parts)))).toEqual([
      'alpha/0@c1-0',
      'alpha/2@c1-0',
      'beta/0@c1-0',
      'beta/2@c1-0',
    ]);
    expect(owned(roundRobinAssign(input('c2', m, parts)))).toEqual([
      'alpha/1@c2-0',
      'beta/1@c2-0',
      'beta/3@c2-0',
    ]);
  });

  it('several streams per member: threads c1-0, c1-1, c2-0, c2-1 in turn', () => {
    const m = subs([
      ['c1', [['t', 2]]],
      ['c2', [['t', 2]]],
    ]);
    const parts: [string, number[]][] = [['t', [0, 1, 2, 3, 4, 5]]];
    // [t,0..5] hash ascending with the partition number.
    expect(owned(roundRobinAssign(input('c1', m, parts)))).toEqual([
      't/0@c1-0',
      't/1@c1-1',
      't/4@c1-0',
      't/5@c1-1',
    ]);
    expect(owned(roundRobinAssign(input('c2', m, parts)))).toEqual(['t/2@c2-0', 't/3@c2-1']);
  });

  it('refuses members with different subscriptions, as Kafka requires', () => {
    const m = subs([
      [
        'c1',
        [
          ['t', 1],
          ['u', 1],
        ],
      ],
      ['c2', [['t', 1]]],
    ]);
    expect(() =>
      roundRobinAssign(
        input('c1', m, [
          ['t', [0]],
          ['u', [0]],
        ]),
      ),
    ).toThrow(RoundRobinMismatchError);
  });
});
