import { describe, expect, it } from 'vitest';
import { assignPartitions, javaStringHash } from '../../../src/consumers/index.js';

const tps = (topic: string, n: number) => Array.from({ length: n }, (_, partition) => ({ topic, partition }));
const key = (x: { topic: string; partition: number }) => `${x.topic}/${x.partition}`;

function all(list: { topic: string; partition: number }[], p: number) {
  return Array.from({ length: p }, (_, i) => assignPartitions(list, i, p));
}

describe('assignPartitions (Flink KafkaConsumerPartitionAssignmentTest)', () => {
  it('javaStringHash matches Java String.hashCode', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('a-much-longer-topic-name-that-overflows')).toBe(-1943721313);
  });

  it('partitions equal to instances: one each', () => {
    const parts = all(tps('t', 7), 7);
    for (const p of parts) expect(p.length).toBe(1);
    expect(new Set(parts.flat().map(key)).size).toBe(7);
  });

  it('11 partitions over 3 instances: balanced, complete, disjoint', () => {
    const parts = all(tps('t', 11), 3);
    for (const p of parts) expect([3, 4]).toContain(p.length);
    expect(parts.flat().map(key).sort()).toEqual(tps('t', 11).map(key).sort());
  });

  it('fewer partitions than instances: at most one each, all assigned', () => {
    const parts = all(tps('t', 3), 8);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(1);
    expect(parts.flat().length).toBe(3);
  });

  it('empty input gives empty output', () => {
    expect(assignPartitions([], 0, 3)).toEqual([]);
  });

  it('growing partitions keep every old assignment, also of the other topics', () => {
    const before = [...tps('a', 4), ...tps('b', 5), ...tps('c', 1)];
    const after = [...tps('a', 9), ...tps('b', 5), ...tps('c', 3)];
    for (let i = 0; i < 4; i++) {
      const old = new Set(assignPartitions(before, i, 4).map(key));
      const now = new Set(assignPartitions(after, i, 4).map(key));
      for (const x of old) expect(now.has(x)).toBe(true);
    }
  });

  it('does not depend on the order the broker listed partitions in', () => {
    const list = [...tps('x', 6), ...tps('y', 3)];
    const shuffled = [...list].reverse();
    for (let i = 0; i < 4; i++)
      expect(assignPartitions(shuffled, i, 4)).toEqual(assignPartitions(list, i, 4));
  });

  it('spreads single-partition topics over the instances', () => {
    const list = Array.from({ length: 12 }, (_, i) => ({ topic: `topic-${i}`, partition: 0 }));
    const sizes = all(list, 4).map((p) => p.length);
    expect(Math.max(...sizes)).toBeLessThan(12);
  });

  it('rejects bad indices', () => {
    expect(() => assignPartitions([], 3, 3)).toThrow(RangeError);
    expect(() => assignPartitions([], 0, 0)).toThrow(RangeError);
  });
});
