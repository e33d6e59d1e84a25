import { describe, expect, it } from 'vitest';
import { MaxBlockTimeoutError, ProduceFailedError, Producer } from '../../../src/producer/index.js';
import { LeaderNotAvailableError } from '../../../src/simple-consumer/errors.js';
import { ProducerFakeCluster, producerOnFakeCluster } from './fake-cluster.js';

const setup = producerOnFakeCluster();

const tick = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('requests in flight per partition', () => {
  // 40 records of 126 bytes in requests of at most 1000 bytes: 7 records per request.
  const records = Array.from({ length: 40 }, (_, i) => ({
    topic: 't',
    value: Buffer.alloc(100, 48 + (i % 10)),
  }));

  it('pipelines up to max.in.flight.requests.per.connection without retries, in order', async () => {
    const { c, p } = await setup([0], { maxRequestSize: 1000, batchSize: 1000, retries: 0 });
    c.hold = true;
    const acks = p.sendBatch(records);
    await tick();
    expect(c.produces).toHaveLength(5);
    await c.release();
    const got = await acks;
    expect(got.map((a) => a.offset)).toEqual(records.map((_, i) => BigInt(i)));
    expect(c.log('t', 0).map((m) => m.value?.[0])).toEqual(
      records.map((r) => String.fromCharCode(r.value[0]!)),
    );
  });

  it('keeps one request in flight per partition when retries > 0', async () => {
    const { c, p } = await setup([0], { maxRequestSize: 1000, batchSize: 1000, retries: 2 });
    c.hold = true;
    const acks = p.sendBatch(records);
    await tick();
    expect(c.produces).toHaveLength(1);
    c.hold = false;
    await c.release();
    expect((await acks).map((a) => a.offset)).toEqual(records.map((_, i) => BigInt(i)));
  });
});

describe('waiting for leaders and metadata', () => {
  it('fails a record whose partition has no leader once retries are used, naming the cause', async () => {
    const { p } = await setup([-1], { retries: 0 });
    const err = await p.send({ topic: 't', value: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProduceFailedError);
    expect(err).toMatchObject({ topic: 't', partition: 0, attempts: 1 });
    expect((err as Error).cause).toBeInstanceOf(LeaderNotAvailableError);
    expect(p.bufferedBytes).toBe(0);
  });

  it('sends once the leader appears when retries allow', async () => {
    const { c, p } = await setup([-1], { retries: 20, retryBackoffMs: 20 });
    const sent = p.send({ topic: 't', value: 'late leader' });
    await tick();
    c.topics.set('t', [0]);
    expect((await sent).offset).toBe(0n);
  });

  it('spreads keyless records over the partitions with a leader, as the metadata says now', async () => {
    const { c, p } = await setup([0, -1, 0], { metadataMaxAgeMs: 1000 });
    for (let i = 0; i < 6; i++) await p.send({ topic: 't', value: `a${i}` });
    expect(c.log('t', 1)).toHaveLength(0);
    expect(c.log('t', 0).length + c.log('t', 2).length).toBe(6);
    // Partition 1 gets a leader: the next metadata refresh (at most every second) makes it
    // available again, and round-robin over three partitions gives it every third record.
    c.topics.set('t', [0, 0, 0]);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    for (let i = 0; i < 6; i++) await p.send({ topic: 't', value: `b${i}` });
    expect(c.log('t', 1)).toHaveLength(2);
  });

  it('gives up on a topic that never appears after max.block.ms', async () => {
    const { p } = await setup([0], { maxBlockMs: 300 });
    const t0 = Date.now();
    const err = await p.send({ topic: 'missing', value: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MaxBlockTimeoutError);
    expect(err).toMatchObject({ waitingFor: 'metadata', topic: 'missing' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    // The producer still works for other topics.
    expect((await p.send({ topic: 't', value: 'ok' })).offset).toBe(0n);
  });
});

describe('close', () => {
  it('leaves no socket or timer behind', async () => {
    const c = await ProducerFakeCluster.start(1);
    try {
      c.addTopic('t', [0]);
      const handles = () =>
        process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
      const before = handles();
      const p = new Producer({ bootstrapServers: c.bootstrap, lingerMs: 30_000 });
      const pending = p.send({ topic: 't', value: 'lingering' });
      await tick();
      expect(handles()).toBeGreaterThan(before);
      await p.close();
      expect((await pending).offset).toBe(0n);
      await tick();
      expect(handles()).toBeLessThanOrEqual(before);
    } finally {
      await c.stop();
    }
  });
});
