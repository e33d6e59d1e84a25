import { describe, expect, it } from 'vitest';
import { PENDING_SEND_OVERHEAD } from '../../../src/producer/record.js';
import { producerOnFakeCluster } from './fake-cluster.js';

const onCluster = producerOnFakeCluster();

const BUFFER_MEMORY = 4_000_000;
/** Records of 100-byte values that buffer.memory holds: about 1,250. */
const BUDGET_RECORDS = BUFFER_MEMORY / (126 + PENDING_SEND_OVERHEAD);
const QUIET_AT = 2000;

/**
 * A caller's loop writes 20,000 records to partition 0, waiting for room whenever buffer.memory
 * is full, and one record to partition 1 along the way (both partitions on one broker). Returns
 * how many of partition 0's records were acknowledged when the quiet one was.
 */
async function quietRecordWaits(maxRequestSize: number, quiet: Buffer): Promise<number | undefined> {
  const { c, p } = await onCluster([0, 0], {
    maxRequestSize,
    bufferMemory: BUFFER_MEMORY,
    batchSize: 2000,
    retries: 0,
  });
  await p.partitionCount('t');
  const value = Buffer.alloc(100, 0x61);
  let busyAcked = 0;
  let quietAckedAfter: number | undefined;
  for (let i = 0; i < 20_000; i++) {
    if (i === QUIET_AT) {
      p.send({ topic: 't', partition: 1, value: quiet }, (err) => {
        if (err === null) quietAckedAfter = busyAcked;
      });
    }
    p.send({ topic: 't', partition: 0, value }, (err) => {
      if (err === null) busyAcked++;
    });
    if (p.bufferFull) await p.waitForRoom();
  }
  await p.flush();
  expect(busyAcked).toBe(20_000);
  expect(c.log('t', 1).map((r) => r.value)).toEqual([quiet.toString()]);
  return quietAckedAfter;
}

describe('fairness between partitions of one broker', () => {
  it('sends an open batch the caller stopped filling, even from inside its loop', async () => {
    // Requests sent from inside the caller's loop took full batches only, and took every free
    // request slot: partition 1's open batch waited until partition 0 had nothing left.
    const after = await quietRecordWaits(20_000, Buffer.from('quiet'));
    expect(after).toBeDefined();
    expect(after!).toBeLessThan(QUIET_AT + 3 * BUDGET_RECORDS);
  });

  it('starts each request after the partition the last one ended with', async () => {
    // Two of partition 0's batches (3,780 bytes) leave less of a 5,000-byte request than the
    // quiet record needs: every request started with partition 0, so it never fitted.
    const after = await quietRecordWaits(5_000, Buffer.alloc(1500, 0x71));
    expect(after).toBeDefined();
    expect(after!).toBeLessThan(QUIET_AT + 3 * BUDGET_RECORDS);
  });
});
