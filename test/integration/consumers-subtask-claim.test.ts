import { describe, expect, it } from 'vitest';
import {
  FlinkKafkaConsumer082,
  SimpleStringSchema,
  SubtaskClaimedError,
  UnknownTopicError,
} from '../../src/index.js';
import { sharedCluster } from '../helpers/cluster.js';
import { props, readN, seedTopic, uniqueGroup } from './consumers-helpers.js';

// Two live instances given the same subtaskIndex (or different parallelisms) would read the
// same partitions. Each claims its index in ZooKeeper; a second claimant fails fast.

const k = () => sharedCluster('0.8.2.2');

describe('subtask claims in ZooKeeper', () => {
  it('a second instance with the same index fails with SubtaskClaimedError until the first closes', async () => {
    const topic = await seedTopic(k(), 'claim', 2, 5);
    const group = uniqueGroup('claim');
    const first = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k(), group));
    await first.start();
    const second = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k(), group));
    const err = await second.start().catch((e: unknown) => e);
    await second.close();
    expect(err).toBeInstanceOf(SubtaskClaimedError);
    const claimed = err as SubtaskClaimedError;
    expect([claimed.group, claimed.subtaskIndex]).toEqual([group, 0]);
    expect(claimed.holder).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{8}$`));
    // Another parallelism overlaps too.
    const other = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { parallelism: 2, subtaskIndex: 1 }),
    );
    const overlap = await other.start().catch((e: unknown) => e);
    await other.close();
    expect(overlap).toBeInstanceOf(SubtaskClaimedError);
    expect((overlap as SubtaskClaimedError).message).toMatch(/parallelism 1, this instance with 2/);

    expect((await readN(first, 10)).length).toBe(10);
    await first.close();
    // Released at close: a successor claims the index at once and resumes at the group's offsets.
    const third = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k(), group));
    try {
      await third.start();
      expect([third.position(topic, 0), third.position(topic, 1)]).toEqual([5n, 5n]);
    } finally {
      await third.close();
    }
  });

  it('a start whose partition lookup fails releases the claim it took meanwhile', async () => {
    // The claim and the lookup run side by side: the claim exists before the lookup fails.
    const group = uniqueGroup('claim-lookup');
    const missing = new FlinkKafkaConsumer082(
      `no-such-topic-${group}`,
      new SimpleStringSchema(),
      props(k(), group),
    );
    const err = await missing.start().catch((e: unknown) => e);
    await missing.close();
    expect(err).toBeInstanceOf(UnknownTopicError);
    expect(await k().zkChildren(`/consumers/${group}/kafka08-subtasks`)).toEqual([]);
    // The index is free at once for an instance of the same group.
    const topic = await seedTopic(k(), 'claim-lookup', 1, 2);
    const next = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), props(k(), group));
    try {
      await next.start();
      expect(await k().zkChildren(`/consumers/${group}/kafka08-subtasks`)).toEqual(['0']);
    } finally {
      await next.close();
    }
  });

  it('uses the chroot of zookeeper.connect', async () => {
    const topic = await seedTopic(k(), 'claim-chroot', 1, 1);
    const group = uniqueGroup('claim-chroot');
    await k().zkSet('/kafka08-chroot', '');
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { 'zookeeper.connect': `${k().zookeeper}/kafka08-chroot` }),
    );
    try {
      await c.start();
      expect(await k().zkChildren(`/kafka08-chroot/consumers/${group}/kafka08-subtasks`)).toEqual(['0']);
    } finally {
      await c.close();
    }
    expect(await k().zkChildren(`/kafka08-chroot/consumers/${group}/kafka08-subtasks`)).toEqual([]);
  });

  it('a claim of another host is waited for up to the session timeout, then refused', async () => {
    const topic = await seedTopic(k(), 'claim-remote', 1, 1);
    const group = uniqueGroup('claim-remote');
    // A claim as another machine would leave it (persistent here, so it never expires).
    await k().zkSet(
      `/consumers/${group}/kafka08-subtasks/0`,
      JSON.stringify({ holder: 'other-host-4242-deadbeef', parallelism: 1 }),
    );
    const c = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k(), group, { 'zookeeper.session.timeout.ms': 2000 }),
    );
    const t0 = Date.now();
    const err = await c.start().catch((e: unknown) => e);
    await c.close();
    expect(err).toBeInstanceOf(SubtaskClaimedError);
    expect((err as SubtaskClaimedError).holder).toBe('other-host-4242-deadbeef');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2900);
  });
});
