/**
 * 0.8 has no idempotent producer. A proxy between our Producer and a real 0.8.2 broker swallows
 * the answer to some Produce requests after the broker has appended them; the producer retries
 * (as it must: it cannot tell a lost request from a lost answer) and the broker appends the batch
 * again. The test measures how many records that duplicates, and checks that nothing is lost and
 * every acknowledged offset holds its record.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { BrokerProxies } from './producer-proxy.js';

let proxies: BrokerProxies | undefined;
afterEach(async () => {
  await proxies?.stop();
  proxies = undefined;
});

describe('a retry after a lost Produce answer', () => {
  it('duplicates exactly the records of the requests whose answers were lost, and loses nothing', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('prod-dup');
    await k.createTopic({ name: topic, partitions: 1 });
    proxies = await BrokerProxies.start(
      k.brokerList.map((b) => ({ nodeId: b.id, host: b.host, port: b.port })),
    );
    // Every 4th answer is lost (the broker has already written the batch).
    proxies.dropProduceAnswer = (n) => n % 4 === 0;
    const producer = new Producer({ bootstrapServers: proxies.bootstrap, retries: 5, retryBackoffMs: 20 });
    const total = 10_000;
    const values = Array.from(
      { length: total },
      (_, i) => `record-${String(i).padStart(5, '0')}-${'.'.repeat(80)}`,
    );
    const acks = [];
    try {
      for (let from = 0; from < total; from += 500) {
        acks.push(
          ...(await producer.sendBatch(values.slice(from, from + 500).map((value) => ({ topic, value })))),
        );
      }
    } finally {
      await producer.close();
    }
    const log = (await k.fetch(topic, 0, 0n, 64 * 1024 * 1024)).map((m) => m.value?.toString() ?? '');
    const copies = new Map<string, number>();
    for (const v of log) copies.set(v, (copies.get(v) ?? 0) + 1);
    // Nothing lost, nothing foreign, and at most one extra copy per lost answer.
    expect([...copies.keys()].sort()).toEqual(values);
    const duplicated = [...copies.values()].filter((n) => n > 1).length;
    expect(Math.max(...copies.values())).toBe(2);
    expect(proxies.droppedAnswers).toBeGreaterThan(0);
    expect(duplicated).toBe(proxies.droppedRecords);
    expect(log.length).toBe(total + duplicated);
    // Each acknowledged offset points at a copy of its record, in send order.
    for (const [i, a] of acks.entries()) expect(log[Number(a.offset)]).toBe(values[i]);
    expect(acks.map((a) => a.offset)).toEqual(
      [...acks.map((a) => a.offset)].sort((x, y) => (x! < y! ? -1 : 1)),
    );
    console.log(
      `[producer-duplicates] ${proxies.droppedAnswers} of ${proxies.produceAnswers} Produce answers lost: ` +
        `${duplicated} of ${total} records (${((100 * duplicated) / total).toFixed(1)}%) written twice, none lost`,
    );
  });
});
