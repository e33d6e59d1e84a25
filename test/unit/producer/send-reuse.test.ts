/**
 * What the send path reuses instead of allocating per record: the checked record (one per
 * producer, refilled by each send) and the batches' settler arrays (kept once their batch is
 * answered). Reuse must not mix records up or keep anything of an answered one alive.
 */
import { describe, expect, it } from 'vitest';
import {
  Batch,
  type RecordMetadata,
  type SendCallback,
  SettlerPool,
} from '../../../src/producer/accumulator.js';
import type { Producer } from '../../../src/producer/index.js';
import { producerOnFakeCluster } from './fake-cluster.js';

const setup = producerOnFakeCluster();

describe('send path reuse', () => {
  it('a partitioner that sends while choosing does not mix its record up with the one being placed', async () => {
    let producer: Producer | undefined;
    const inner: Promise<RecordMetadata>[] = [];
    const { c, p } = await setup([0, 0], {
      partitioner: ({ topic, value }) => {
        if (topic === 't' && inner.length < 3) {
          inner.push(
            producer!.send({ topic: 'u', partition: 0, key: 'ik', value: `inner for ${String(value)}` }),
          );
        }
        return 1;
      },
    });
    producer = p;
    c.addTopic('u', [0]);
    await p.partitionCount('u');
    // Both topics known: every send takes the synchronous path, where the checked record is reused.
    await p.partitionCount('t');
    const outer = await Promise.all(
      ['a', 'b', 'c', 'd'].map((v) => p.send({ topic: 't', key: `k${v}`, value: `outer ${v}` })),
    );
    await Promise.all(inner);
    expect(outer.map((m) => [m.topic, m.partition])).toEqual([
      ['t', 1],
      ['t', 1],
      ['t', 1],
      ['t', 1],
    ]);
    expect(c.log('t', 1).map((m) => [m.key, m.value])).toEqual([
      ['ka', 'outer a'],
      ['kb', 'outer b'],
      ['kc', 'outer c'],
      ['kd', 'outer d'],
    ]);
    expect(c.log('u', 0).map((m) => [m.key, m.value])).toEqual([
      ['ik', 'inner for outer a'],
      ['ik', 'inner for outer b'],
      ['ik', 'inner for outer c'],
    ]);
  });

  it('an answered batch gives back a cleared settler array, which a later batch reuses for its own records only', () => {
    const pool = new SettlerPool(1000);
    const seen: string[] = [];
    const first = new Batch(0, Buffer.alloc(1024), 1024, pool);
    for (const name of ['a', 'b', 'c']) {
      first.append(
        null,
        Buffer.from(name),
        0,
        (err, m) => seen.push(`${name}:${String(err)}:${m?.offset}`),
        null,
      );
    }
    first.complete('t', 0, 10n);
    expect(seen).toEqual(['a:null:10', 'b:null:11', 'c:null:12']);

    const reused = pool.take();
    expect(reused.length).toBeGreaterThanOrEqual(6);
    expect(reused.every((s) => s === null)).toBe(true);
    pool.give(reused);

    const second = new Batch(0, Buffer.alloc(1024), 1024, pool);
    second.append(
      null,
      Buffer.from('d'),
      0,
      ((err: Error | null) => seen.push(`d:${err?.message}`)) as SendCallback,
      null,
    );
    second.fail(new Error('gone'));
    expect(seen.slice(3)).toEqual(['d:gone']);
    // The array came back again, cleared once more; the pool holds only what it may.
    const again = pool.take();
    expect(again).toBe(reused);
    expect(again.every((s) => s === null)).toBe(true);
  });

  it('keeps no more settler slots than it is allowed', () => {
    const pool = new SettlerPool(10);
    pool.give(new Array(8).fill(null));
    pool.give(new Array(8).fill(null));
    expect(pool.take()).toHaveLength(8);
    expect(pool.take()).toEqual([]);
  });
});
