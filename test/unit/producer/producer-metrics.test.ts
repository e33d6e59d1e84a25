import { afterEach, describe, expect, it } from 'vitest';
import { ProduceFailedError, Producer } from '../../../src/producer/index.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ProducerFakeCluster } from './fake-cluster.js';

let cluster: ProducerFakeCluster | undefined;
const producers: Producer[] = [];
afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.close()));
  await cluster?.stop();
  cluster = undefined;
});

describe('Producer.metrics()', () => {
  it('counts acknowledged records and bytes, requests and their latency, retries and failures', async () => {
    cluster = await ProducerFakeCluster.start(1);
    cluster.addTopic('t', [0, 0]);
    const p = new Producer({ bootstrapServers: cluster.bootstrap, retryBackoffMs: 5, retries: 1 });
    producers.push(p);
    expect(p.metrics()).toMatchObject({ records: 0, requests: 0, retries: 0, failedRecords: 0 });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => p.send({ topic: 't', partition: 0, value: `v${i}` })),
    );
    const after = p.metrics();
    expect(after.records).toBe(10);
    // Each record is a 12-byte log header plus a 14-byte message header plus its value.
    expect(after.bytes).toBe(10 * (12 + 14 + 2));
    expect(after.requests).toBe(1);
    expect(after.requestLatencyP99Ms).toBeGreaterThan(0);
    expect(after.bufferedBytes).toBe(0);

    // One retriable error is retried; two in a row use up retries=1.
    cluster.inject('t', 1, ErrorCode.LEADER_NOT_AVAILABLE);
    await p.send({ topic: 't', partition: 1, value: 'r' });
    cluster.inject('t', 1, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.LEADER_NOT_AVAILABLE);
    await expect(p.send({ topic: 't', partition: 1, value: 'x' })).rejects.toBeInstanceOf(ProduceFailedError);
    const m = p.metrics();
    expect(m.records).toBe(11);
    expect(m.retries).toBe(2);
    expect(m.failedRecords).toBe(1);
  });
});
