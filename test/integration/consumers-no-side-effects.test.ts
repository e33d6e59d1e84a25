import { describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082, SimpleStringSchema, UnknownTopicError } from '../../src/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { props, uniqueGroup } from './consumers-helpers.js';

// Reading has no side effects: a consumer of a topic that does not exist fails with a typed error
// and the topic is not created (a 0.8 broker creates any topic a Metadata request names when
// auto.create.topics.enable is on, its default).

describe('consumers never create a topic by reading it', () => {
  it('FlinkKafkaConsumer082 on a missing topic: UnknownTopicError, and the topic still does not exist', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('never-created');
    const c = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k, uniqueGroup('never')));
    try {
      const err = await c.start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnknownTopicError);
      expect((err as UnknownTopicError).topic).toBe(topic);
    } finally {
      await c.close();
    }
    // Give a broker that was asked about it the time to create it, then look.
    await new Promise((r) => setTimeout(r, 500));
    expect(await k.zkGet(`/brokers/topics/${topic}`)).toBeNull();
  });
});
