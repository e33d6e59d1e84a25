import { describe, expect, it } from 'vitest';
import {
  InvalidRecordError,
  MaxBlockTimeoutError,
  PartitionerError,
  ProduceFailedError,
  ProducerClosedError,
  type ProducerProperties,
  RecordTooLargeError,
} from '../../../src/producer/index.js';
import { PENDING_SEND_OVERHEAD } from '../../../src/producer/record.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { UnknownPartitionError } from '../../../src/simple-consumer/errors.js';
import { type ProducerFakeCluster, producerOnFakeCluster } from './fake-cluster.js';

const onCluster = producerOnFakeCluster();
/** Two brokers unless told otherwise. */
const setup = (leaders: number[], props: Omit<ProducerProperties, 'bootstrapServers'> = {}, brokers = 2) =>
  onCluster(leaders, props, brokers);

const values = (c: ProducerFakeCluster, partition: number) => c.log('t', partition).map((m) => m.value);

describe('Producer against fake brokers', () => {
  it('batches one tick of sends into one request and returns broker offsets in order', async () => {
    const { c, p } = await setup([0]);
    const acks = await Promise.all(
      Array.from({ length: 100 }, (_, i) => p.send({ topic: 't', value: `v${i}` })),
    );
    expect(acks.map((a) => a.offset)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
    expect(acks.every((a) => a.topic === 't' && a.partition === 0)).toBe(true);
    expect(c.produces).toHaveLength(1);
    expect(values(c, 0)).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`));
  });

  it('sends one request per broker carrying every ready partition', async () => {
    const { c, p } = await setup([0, 1, 0, 1]);
    await p.sendBatch(
      Array.from({ length: 40 }, (_, i) => ({ topic: 't', partition: i % 4, value: String(i) })),
    );
    expect(c.produces).toHaveLength(2);
    for (const req of c.produces) {
      expect(req.partitions.map((x) => x.partition).sort()).toEqual(req.brokerId === 0 ? [0, 2] : [1, 3]);
      expect(req.partitions.every((x) => x.count === 10)).toBe(true);
    }
  });

  it('keeps keys, null keys, null values and tombstones', async () => {
    const { c, p } = await setup([0]);
    await p.sendBatch([
      { topic: 't', key: 'k', value: 'v' },
      { topic: 't', key: null, value: null },
      { topic: 't', key: Buffer.from(''), value: new Uint8Array([104, 105]) },
    ]);
    expect(c.log('t', 0).map((m) => [m.key, m.value])).toEqual([
      ['k', 'v'],
      [null, null],
      ['', 'hi'],
    ]);
  });

  it('retries NotLeader with a metadata refresh and keeps per-partition order', async () => {
    const { c, p } = await setup([0], { retries: 3, batchSize: 200 });
    c.inject('t', 0, ErrorCode.NOT_LEADER_FOR_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE);
    const before = c.metadataRequests;
    const sent = Array.from({ length: 30 }, (_, i) => p.send({ topic: 't', value: `m${i}` }));
    const acks = await Promise.all(sent);
    expect(values(c, 0)).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    expect(acks.map((a) => a.offset)).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i)));
    expect(c.metadataRequests).toBeGreaterThan(before);
  });

  it('lz4: a retried request carries the same wrapper, its batches joined, every record once and in order', async () => {
    const { c, p } = await setup([0], {
      retries: 3,
      batchSize: 512,
      compressionType: 'lz4',
      lingerMs: 60_000,
    });
    c.inject('t', 0, ErrorCode.NOT_LEADER_FOR_PARTITION);
    const sent = Array.from({ length: 80 }, (_, i) =>
      p.send({ topic: 't', value: `record ${i} ${'x'.repeat(60)}` }),
    );
    await p.flush();
    const acks = await Promise.all(sent);
    expect(values(c, 0)).toEqual(Array.from({ length: 80 }, (_, i) => `record ${i} ${'x'.repeat(60)}`));
    expect(acks.map((a) => a.offset)).toEqual(Array.from({ length: 80 }, (_, i) => BigInt(i)));
    // The refused request and its retry: one wrapper holding several batches, sent twice byte for byte.
    const [refused, retried] = c.produces.map((r) => r.partitions[0]!);
    expect(refused!.messageSet.equals(retried!.messageSet)).toBe(true);
    expect(refused!.messageSet.length).toBe(12 + refused!.messageSet.readInt32BE(8));
    expect(refused!.count).toBeGreaterThan(512 / 100);
  });

  it("after a newer broker's KafkaStorageError, retries at the partition's new leader", async () => {
    const { c, p } = await setup([0], { retries: 1 });
    await p.send({ topic: 't', value: 'before' });
    // The leader's log directory failed: it answers 56 once, and leadership has moved to broker 1.
    // Broker 0 would answer a second attempt NotLeader, which one retry could not survive.
    c.inject('t', 0, ErrorCode.KAFKA_STORAGE_ERROR);
    c.topics.set('t', [1]);
    expect((await p.send({ topic: 't', value: 'after' })).offset).toBe(1n);
    expect(values(c, 0)).toEqual(['before', 'after']);
    expect(c.produces.map((r) => r.brokerId)).toEqual([0, 0, 1]);
  });

  it('follows a leader that moved to another broker', async () => {
    const { c, p } = await setup([0], { retries: 2 });
    await p.send({ topic: 't', value: 'before' });
    c.topics.set('t', [1]);
    await p.send({ topic: 't', value: 'after' });
    expect(values(c, 0)).toEqual(['before', 'after']);
    expect(c.produces.map((r) => r.brokerId)).toEqual([0, 0, 1]);
  });

  it('fails with a typed error carrying topic, partition, code and attempts when retries run out', async () => {
    const { c, p } = await setup([0, 0], { retries: 1 });
    c.inject('t', 1, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_ENOUGH_REPLICAS);
    const failed = p.send({ topic: 't', partition: 1, value: 'x' });
    const ok = p.send({ topic: 't', partition: 0, value: 'y' });
    const err = await failed.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProduceFailedError);
    expect(err).toMatchObject({ topic: 't', partition: 1, code: 19, attempts: 2 });
    expect((await ok).offset).toBe(0n);
  });

  it('does not retry a non-retriable broker error', async () => {
    const { c, p } = await setup([0], { retries: 5 });
    c.inject('t', 0, ErrorCode.MESSAGE_TOO_LARGE);
    await expect(p.send({ topic: 't', value: 'x' })).rejects.toMatchObject({ code: 10, attempts: 1 });
  });

  it("names a newer broker's refusal (INVALID_RECORD) and does not retry it", async () => {
    const { c, p } = await setup([0], { retries: 5 });
    c.inject('t', 0, ErrorCode.INVALID_RECORD);
    const err = await p.send({ topic: 't', value: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 87, attempts: 1 });
    expect((err as Error).message).toContain('INVALID_RECORD');
  });

  it('duplicates a record when the answer is lost and the batch is retried (no idempotence in 0.8)', async () => {
    const { c, p } = await setup([0], { retries: 2 });
    c.dropAnswers = 1;
    const ack = await p.send({ topic: 't', value: 'once' });
    expect(values(c, 0)).toEqual(['once', 'once']);
    expect(ack.offset).toBe(1n);
  });

  it('rejects bad input before anything is sent', async () => {
    const { c, p } = await setup([0, 0], { maxRequestSize: 1000 });
    await p.send({ topic: 't', value: 'warm-up' });
    const sentBefore = c.produces.length;
    const cases: [unknown, new (...a: never[]) => Error, Record<string, unknown>][] = [
      [{ topic: 'bad topic', value: 'v' }, InvalidRecordError, { field: 'topic' }],
      [{ topic: 't', value: 42 }, InvalidRecordError, { field: 'value', topic: 't' }],
      [{ topic: 't', value: { a: 1 } }, InvalidRecordError, { field: 'value' }],
      [{ topic: 't' }, InvalidRecordError, { field: 'value' }],
      [{ topic: 't', key: 5, value: 'v' }, InvalidRecordError, { field: 'key' }],
      [{ topic: 't', partition: -1, value: 'v' }, InvalidRecordError, { field: 'partition' }],
      [
        { topic: 't', partition: 2, value: 'v' },
        UnknownPartitionError,
        { topic: 't', partition: 2, known: [0, 1] },
      ],
      [
        { topic: 't', value: Buffer.alloc(1000) },
        RecordTooLargeError,
        { limitName: 'max.request.size', sizeBytes: 1026 },
      ],
      [null, InvalidRecordError, { field: 'record' }],
    ];
    for (const [record, type, fields] of cases) {
      const err = await p.send(record as never).catch((e: unknown) => e);
      expect(err, JSON.stringify(record)).toBeInstanceOf(type);
      expect(err).toMatchObject(fields);
    }
    await p.flush();
    expect(c.produces.length).toBe(sentBefore);
    expect(p.bufferedBytes).toBe(0);
  });

  it('waits for buffer.memory (backpressure), then fails after max.block.ms with a typed error', async () => {
    const { c, p } = await setup([0], { bufferMemory: 4000, maxRequestSize: 1000, maxBlockMs: 150 });
    c.stall = true;
    // Each holds its 26 + 300 bytes plus what a pending send is counted: two do not fit.
    expect(2 * (326 + PENDING_SEND_OVERHEAD)).toBeGreaterThan(4000);
    const first = p.send({ topic: 't', value: Buffer.alloc(300) });
    first.catch(() => undefined);
    const started = Date.now();
    const err = await p.send({ topic: 't', value: Buffer.alloc(300) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MaxBlockTimeoutError);
    expect(err).toMatchObject({ waitingFor: 'buffer-memory', topic: 't', partition: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(p.bufferedBytes).toBe(326 + PENDING_SEND_OVERHEAD);
    // The stalled request fails with its connection, which releases the buffer.
    for (const conn of c.brokers[0]?.connections ?? []) conn.destroy();
    await expect(first).rejects.toBeInstanceOf(ProduceFailedError);
    expect(p.bufferedBytes).toBe(0);
  });

  it('lets a waiting send through as soon as earlier records are acknowledged, in order', async () => {
    const { c, p } = await setup([0], { bufferMemory: 5000, maxRequestSize: 1000, lingerMs: 0 });
    const sends = Array.from({ length: 20 }, (_, i) =>
      p.send({ topic: 't', value: Buffer.alloc(100, 97 + i) }),
    );
    expect(p.bufferedBytes).toBeLessThanOrEqual(5000);
    await Promise.all(sends);
    expect(values(c, 0).map((v) => v?.[0])).toEqual(
      Array.from({ length: 20 }, (_, i) => String.fromCharCode(97 + i)),
    );
    expect(p.bufferedBytes).toBe(0);
  });

  it('resolves acks=0 sends without an offset', async () => {
    const { c, p } = await setup([0], { acks: 0 });
    const ack = await p.send({ topic: 't', value: 'fire' });
    expect(ack).toEqual({ topic: 't', partition: 0, offset: undefined });
    await expect.poll(() => values(c, 0)).toEqual(['fire']);
    expect(c.produces[0]?.acks).toBe(0);
  });

  it('survives a custom partitioner that throws or returns nonsense', async () => {
    let mode = 'throw';
    const { c, p } = await setup([0, 0, 0], {
      partitioner: () => {
        if (mode === 'throw') throw new Error('boom');
        if (mode === 'nonsense') return 7;
        return 2;
      },
    });
    await expect(p.send({ topic: 't', value: 'a' })).rejects.toBeInstanceOf(PartitionerError);
    mode = 'nonsense';
    await expect(p.send({ topic: 't', value: 'b' })).rejects.toMatchObject({ topic: 't' });
    mode = 'ok';
    expect((await p.send({ topic: 't', value: 'c' })).partition).toBe(2);
    expect(values(c, 2)).toEqual(['c']);
    expect(p.bufferedBytes).toBe(0);
  });

  it('holds a batch for linger.ms unless it fills batch.size', async () => {
    const { p } = await setup([0], { lingerMs: 200, batchSize: 1000 });
    let t0 = Date.now();
    await p.send({ topic: 't', value: 'x' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    t0 = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => p.send({ topic: 't', value: Buffer.alloc(100) })));
    expect(Date.now() - t0).toBeLessThan(150);
    t0 = Date.now();
    const pending = p.send({ topic: 't', value: 'y' });
    await p.flush();
    await pending;
    expect(Date.now() - t0).toBeLessThan(150);
  });

  it('close flushes, releases everything and refuses later sends', async () => {
    const { c, p } = await setup([0], { lingerMs: 60_000 });
    const pending = p.send({ topic: 't', value: 'last' });
    await p.close();
    expect((await pending).offset).toBe(0n);
    expect(values(c, 0)).toEqual(['last']);
    await expect(p.send({ topic: 't', value: 'late' })).rejects.toBeInstanceOf(ProducerClosedError);
  });
});
