import { describe, expect, it } from 'vitest';
import {
  InvalidRecordError,
  PartitionerError,
  ProduceFailedError,
  type RecordMetadata,
} from '../../../src/producer/index.js';
import { PENDING_SEND_OVERHEAD } from '../../../src/producer/record.js';
import { producerOnFakeCluster } from './fake-cluster.js';

const setup = producerOnFakeCluster();
/** 26 bytes of message and log overhead plus a 10-byte value. */
const HELD = 36 + PENDING_SEND_OVERHEAD;
const value = (i: number) => String(i).padStart(10, '0');

describe('Producer: sends beyond buffer.memory', () => {
  it('a loop that checks bufferFull every 500 sends never has more than 500 waiting, and keeps call order', async () => {
    // Room for 40 records: each chunk of 500 overshoots the buffer by most of the chunk.
    const { c, p } = await setup([0, 0], { bufferMemory: 40 * HELD, maxRequestSize: 4000, lingerMs: 0 });
    await p.partitionCount('t');
    let acked = 0;
    let mostWaiting = 0;
    let fullWhileWaiting = true;
    const done = (err: Error | null) => {
      if (err === null) acked++;
    };
    for (let i = 0; i < 5000; ) {
      for (const end = i + 500; i < end; i++) p.send({ topic: 't', partition: i % 2, value: value(i) }, done);
      const waiting = p.metrics().waitingSends;
      mostWaiting = Math.max(mostWaiting, waiting);
      if (waiting > 0 && !p.bufferFull) fullWhileWaiting = false;
      if (p.bufferFull) await p.waitForRoom();
      // Resolved only once no send waits: the next chunk starts from an empty queue.
      expect(p.metrics().waitingSends).toBe(0);
    }
    await p.flush();
    expect(acked).toBe(5000);
    expect(mostWaiting).toBeGreaterThan(400);
    expect(mostWaiting).toBeLessThanOrEqual(500);
    expect(fullWhileWaiting).toBe(true);
    for (const partition of [0, 1]) {
      const expected = Array.from({ length: 2500 }, (_, k) => value(2 * k + partition));
      expect(c.log('t', partition).map((m) => m.value)).toEqual(expected);
    }
  });

  it('a backlog of thousands, past the compaction of the queue, is let in whole and in call order', async () => {
    const { c, p } = await setup([0], { bufferMemory: 10 * HELD, maxRequestSize: 2000, lingerMs: 0 });
    await p.partitionCount('t');
    const order: number[] = [];
    for (let i = 0; i < 3000; i++)
      p.send({ topic: 't', value: value(i) }, (err) => err === null && order.push(i));
    expect(p.metrics().waitingSends).toBe(2990);
    await p.waitForRoom();
    expect(p.metrics().waitingSends).toBe(0);
    await p.flush();
    expect(order).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(c.log('t', 0).map((m) => m.value)).toEqual(Array.from({ length: 3000 }, (_, i) => value(i)));
  });

  it('takes the bytes at send: a buffer the caller reuses after send returned does not change a waiting record', async () => {
    // Each record also has a 4-byte key.
    const { c, p } = await setup([0], { bufferMemory: 5 * (HELD + 4), maxRequestSize: 2000, lingerMs: 0 });
    await p.partitionCount('t');
    // One scratch buffer for every value and key, rewritten for the next record as soon as send
    // returns, as a caller filling a pooled buffer would: the first five fit the budget, the
    // other 45 wait for room holding what they were given.
    const scratch = Buffer.alloc(10);
    const keyScratch = new Uint8Array(8);
    const keyView = keyScratch.subarray(2, 6);
    for (let i = 0; i < 50; i++) {
      scratch.write(value(i));
      keyView.set(Buffer.from(String(i % 10000).padStart(4, '0')));
      p.send({ topic: 't', key: keyView, value: scratch }, () => {});
    }
    expect(p.metrics().waitingSends).toBe(45);
    scratch.fill(0x21);
    keyScratch.fill(0x21);
    await p.flush();
    expect(c.log('t', 0).map((m) => [m.key, m.value])).toEqual(
      Array.from({ length: 50 }, (_, i) => [String(i).padStart(4, '0'), value(i)]),
    );
  });

  it('takes the bytes at send for a topic whose metadata it is still fetching, promise form too', async () => {
    const { c, p } = await setup([0]);
    c.addTopic('u', [0]);
    // 'u' was never asked for: every send waits for its metadata, holding the record.
    const scratch = Buffer.alloc(10);
    const sends = [];
    for (let i = 0; i < 3; i++) {
      scratch.write(value(i));
      sends.push(p.send({ topic: 'u', value: scratch }));
    }
    expect(p.metrics().waitingSends).toBe(3);
    scratch.fill(0x21);
    await Promise.all(sends);
    expect(c.log('u', 0).map((m) => m.value)).toEqual([value(0), value(1), value(2)]);
  });

  it('a backlog behind a broker that stops answering settles every send once the connection drops', async () => {
    const { c, p } = await setup([0], { bufferMemory: 5 * HELD, maxRequestSize: 2000, lingerMs: 0 });
    await p.partitionCount('t');
    c.stall = true;
    const outcomes: (Error | null | undefined)[] = new Array(50).fill(undefined);
    for (let i = 0; i < 50; i++) p.send({ topic: 't', value: value(i) }, (err) => (outcomes[i] = err));
    await new Promise((r) => setTimeout(r, 50));
    expect(p.metrics().waitingSends).toBe(45);
    expect(outcomes.every((o) => o === undefined)).toBe(true);
    c.stall = false;
    for (const conn of c.brokers[0]?.connections ?? []) conn.destroy();
    await p.flush();
    // The five in the lost request fail (retries 0); the 45 that waited go out on a new connection.
    expect(outcomes.slice(0, 5).every((o) => o instanceof ProduceFailedError)).toBe(true);
    expect(outcomes.slice(5)).toEqual(new Array(45).fill(null));
    expect(c.log('t', 0).map((m) => m.value)).toEqual(Array.from({ length: 45 }, (_, i) => value(i + 5)));
    expect([p.metrics().waitingSends, p.bufferedBytes]).toEqual([0, 0]);
  });

  it('a waiting send the partitioner refuses fails alone, after send returned; the rest go on', async () => {
    let calls = 0;
    const { c, p } = await setup([0], {
      bufferMemory: 2 * HELD,
      maxRequestSize: 1000,
      lingerMs: 0,
      partitioner: () => {
        calls++;
        if (calls === 4) throw new Error('no partition for this one');
        return 0;
      },
    });
    await p.partitionCount('t');
    const outcomes: (Error | null)[] = [];
    let returned = false;
    for (let i = 0; i < 6; i++) {
      p.send({ topic: 't', value: value(i) }, (err) => {
        expect(returned).toBe(true);
        outcomes[i] = err;
      });
    }
    returned = true;
    await p.flush();
    expect(outcomes[3]).toBeInstanceOf(PartitionerError);
    expect(outcomes.filter((e) => e === null)).toHaveLength(5);
    expect(c.log('t', 0).map((m) => m.value)).toEqual([0, 1, 2, 4, 5].map(value));
    expect(p.bufferedBytes).toBe(0);
  });
});

describe('Producer.sendBatch', () => {
  it('resolves with every record metadata in call order, past buffer.memory', async () => {
    const { p } = await setup([0, 0], { bufferMemory: 20 * HELD, maxRequestSize: 4000, lingerMs: 0 });
    const records = Array.from({ length: 300 }, (_, i) => ({
      topic: 't',
      partition: i % 2,
      value: value(i),
    }));
    const acks: RecordMetadata[] = await p.sendBatch(records);
    expect(acks.map((a) => a.partition)).toEqual(records.map((r) => r.partition));
    expect(acks.filter((a) => a.partition === 1).map((a) => a.offset)).toEqual(
      Array.from({ length: 150 }, (_, k) => BigInt(k)),
    );
  });

  it('rejects with the first failure while the other records are still sent', async () => {
    const { c, p } = await setup([0]);
    const records = [
      { topic: 't', value: 'a' },
      { topic: 't', value: 42 as unknown as string },
      { topic: 't', value: 'c' },
    ];
    await expect(p.sendBatch(records)).rejects.toBeInstanceOf(InvalidRecordError);
    await p.flush();
    expect(c.log('t', 0).map((m) => m.value)).toEqual(['a', 'c']);
  });

  it('resolves an empty batch with [] and rejects what is not an array with a typed error', async () => {
    const { p } = await setup([0]);
    await expect(p.sendBatch([])).resolves.toEqual([]);
    const err = await p.sendBatch({ topic: 't' } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRecordError);
    expect(err).toMatchObject({ field: 'record' });
  });
});
