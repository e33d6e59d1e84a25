import { describe, expect, it } from 'vitest';
import { KafkaSource, SimpleStringSchema } from '../../src/index.js';
import { sharedCluster } from '../helpers/cluster.js';
import { kafkaSourceProps, seedTopic, uniqueGroup, zkOffsetPath } from './consumers-helpers.js';

// KafkaSource commits (periodic, explicit, at a handover) cover processed records only: a record
// handed out and still being processed when the member dies is read again by the next owner.

const k = () => sharedCluster('0.8.2.2');

describe('KafkaSource commits processed records only', () => {
  it('a record in hand is not committed; the next member of the group reads it again', async () => {
    const topic = await seedTopic(k(), 'ks-processing', 1, 10);
    const group = uniqueGroup('ks-processing');
    const a = new KafkaSource(topic, new SimpleStringSchema(), kafkaSourceProps(k(), group));
    expect(await a.read()).toBe('0:0');
    expect(await a.read()).toBe('0:1');
    // 0:1 is being processed (no read since): a commit now must stop in front of it.
    await a.commitOffsets();
    expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBe('1');
    // The member dies while processing 0:1 (no close, no final commit): leaving the loop early.
    const it = a[Symbol.asyncIterator]();
    await it.return?.();
    expect(await k().zkGet(zkOffsetPath(group, topic, 0))).toBe('1');

    const b = new KafkaSource(topic, new SimpleStringSchema(), kafkaSourceProps(k(), group));
    try {
      expect(await b.read()).toBe('0:1');
    } finally {
      await b.close();
    }
  });
});
