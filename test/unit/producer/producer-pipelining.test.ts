import { describe, expect, it } from 'vitest';
import type { Producer, ProducerProperties, RecordMetadata } from '../../../src/producer/index.js';
import { PENDING_SEND_OVERHEAD } from '../../../src/producer/record.js';
import { type ProducerFakeCluster, producerOnFakeCluster } from './fake-cluster.js';

const onCluster = producerOnFakeCluster();

async function setup(props: Omit<ProducerProperties, 'bootstrapServers'>): Promise<{
  c: ProducerFakeCluster;
  p: Producer;
}> {
  const made = await onCluster([0], {
    maxRequestSize: 100_000,
    maxInFlightRequestsPerConnection: IN_FLIGHT,
    ...props,
  });
  // The topic becomes known, so the sends below take the synchronous path.
  await made.p.partitionCount('t');
  return made;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 50));

// 100-byte values: 126 wire bytes a record, 7 records a 1000-byte batch.
const VALUE_BYTES = 100;
const RECORD_WIRE = VALUE_BYTES + 26;
const RECORD_HELD = RECORD_WIRE + PENDING_SEND_OVERHEAD;
const PER_BATCH = Math.floor(1000 / RECORD_WIRE);
const IN_FLIGHT = 5;
// Room for 60 pending records. A request's share is a third of it (20 records), whatever
// max.in.flight allows: two requests keep the broker busy, and the caller fills the third.
const BUDGET = 60 * RECORD_HELD;
const shareInRecords = (budget: number) => budget / 3 / RECORD_HELD;
/** Records in the full batches that reach a request's share of `budget`: then they leave early. */
const shareReachedAt = (budget: number) => Math.ceil(shareInRecords(budget) / PER_BATCH) * PER_BATCH;
/** The most records a request may carry: a share's worth, or one batch when a batch is more. */
const requestAtMost = (budget: number) => Math.max(PER_BATCH, Math.floor(shareInRecords(budget)));

/** What a caller's loop does: send without awaiting until buffer.memory is (nearly) full. */
function fillSynchronously(p: Producer, sent: Promise<RecordMetadata>[]): void {
  while (!p.bufferFull) {
    sent.push(p.send({ topic: 't', value: Buffer.alloc(VALUE_BYTES, 48 + (sent.length % 10)) }));
  }
}

describe('pipelining while the caller is still appending', () => {
  it('sends full batches during a synchronous loop, several requests in flight, in order', async () => {
    const { c, p } = await setup({ bufferMemory: BUDGET, batchSize: 1000, retries: 0 });
    c.hold = true;
    const sent: Promise<RecordMetadata>[] = [];
    fillSynchronously(p, sent);
    // Requests left while the loop ran, not after it yielded: the broker works while we append.
    expect(p.metrics().requests).toBeGreaterThanOrEqual(2);
    await tick();
    expect(c.produces.length).toBeGreaterThanOrEqual(3);
    expect(c.produces.length).toBeLessThanOrEqual(IN_FLIGHT);
    await c.release();
    // Room again: the loop goes on, and everything arrives in call order.
    await p.waitForRoom();
    fillSynchronously(p, sent);
    const acks = await Promise.all(sent);
    expect(acks.map((a) => a.offset)).toEqual(sent.map((_, i) => BigInt(i)));
    expect(c.log('t', 0).map((m) => m.value?.[0])).toEqual(
      sent.map((_, i) => String.fromCharCode(48 + (i % 10))),
    );
    expect(p.bufferedBytes).toBe(0);
    // Sent early or once answers made room in flight, no request held more than a share; and
    // max.in.flight (5) does not cut the budget into six: a request takes more than a sixth.
    const counts = c.produces.map((req) => req.partitions.reduce((n, x) => n + x.count, 0));
    for (const n of counts) expect(n).toBeLessThanOrEqual(requestAtMost(BUDGET));
    expect(Math.max(...counts)).toBeGreaterThan(BUDGET / 6 / RECORD_HELD);
  });

  it('sends nothing early while full batches hold less than a request share', async () => {
    const { c, p } = await setup({ bufferMemory: 10 * BUDGET, batchSize: 1000, retries: 0 });
    c.hold = true;
    const sent = Array.from({ length: 3 * PER_BATCH }, () =>
      p.send({ topic: 't', value: Buffer.alloc(VALUE_BYTES) }),
    );
    expect(p.metrics().requests).toBe(0);
    await tick();
    // One tick of sends is still one request.
    expect(c.produces).toHaveLength(1);
    await c.release();
    await Promise.all(sent);
  });

  it('sends only full batches early: a partial batch still lingers', async () => {
    const { c, p } = await setup({
      bufferMemory: 10 * BUDGET,
      batchSize: 1000,
      retries: 0,
      lingerMs: 60_000,
    });
    // The batch that completes a share sends early (with those before it); 3 records stay open.
    const full = shareReachedAt(10 * BUDGET);
    const sent = Array.from({ length: full + 3 }, () =>
      p.send({ topic: 't', value: Buffer.alloc(VALUE_BYTES) }),
    );
    expect(p.metrics().requests).toBeGreaterThan(0);
    await tick();
    expect(c.log('t', 0)).toHaveLength(full);
    await p.flush();
    expect(c.log('t', 0)).toHaveLength(full + 3);
    await Promise.all(sent);
  });

  it('sends a lingering batch at once when a caller waits for room', async () => {
    const { c, p } = await setup({ bufferMemory: BUDGET, batchSize: 16_384, retries: 0, lingerMs: 60_000 });
    const sent: Promise<RecordMetadata>[] = [];
    fillSynchronously(p, sent);
    await tick();
    expect(c.produces).toHaveLength(0);
    // The one open batch holds the whole budget: waiting for room is what makes it ready.
    await p.waitForRoom();
    expect(c.log('t', 0)).toHaveLength(sent.length);
    await Promise.all(sent);
  }, 5000);

  it('keeps one request in flight per partition when retries > 0, even under pressure', async () => {
    const { c, p } = await setup({ bufferMemory: BUDGET, batchSize: 1000, retries: 3 });
    c.hold = true;
    const sent: Promise<RecordMetadata>[] = [];
    fillSynchronously(p, sent);
    expect(p.metrics().requests).toBe(1);
    await tick();
    expect(c.produces).toHaveLength(1);
    c.hold = false;
    await c.release();
    const acks = await Promise.all(sent);
    expect(acks.map((a) => a.offset)).toEqual(sent.map((_, i) => BigInt(i)));
  });
});
