import { afterEach, describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082 } from '../../../src/consumers/flink-kafka-consumer-082.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import { ProtocolDecodeError } from '../../../src/protocol/errors.js';
import {
  type RetriableErrorEvent,
  UndecodableResponseError,
} from '../../../src/simple-consumer/fetch-engine/index.js';
import { within } from '../../helpers/within.js';
import type { FakeCluster } from './fetch-engine-fake-cluster.js';
import { engineHarness } from './fetch-engine-harness.js';

// A broker whose every Fetch answer is undecodable must not be retried forever in silence: after
// maxUndecodableFetches answers in a row the partitions raise a typed error.

const harness = engineHarness();
const engine = harness.engine;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function cluster(): Promise<FakeCluster> {
  const c = await harness.cluster(1);
  c.addPartition('g', 0, 0);
  c.addPartition('g', 1, 0);
  c.append('g', 0, ['a0', 'a1']);
  c.append('g', 1, ['b0']);
  return c;
}

describe('undecodable fetch answers', () => {
  it('raise UndecodableResponseError per partition after maxUndecodableFetches answers in a row', async () => {
    const c = await cluster();
    c.garbled.add(0);
    const e = engine(c, { maxUndecodableFetches: 3 });
    const retried: RetriableErrorEvent[] = [];
    e.on('error', (ev) => retried.push(ev));
    e.assign([
      { topic: 'g', partition: 0, offset: 0n },
      { topic: 'g', partition: 1, offset: 0n },
    ]);
    const errors: unknown[] = [];
    for (let i = 0; i < 2; i++)
      errors.push(
        await within(
          e.next().catch((err: unknown) => err),
          5000,
          'next',
        ),
      );
    for (const err of errors) {
      expect(err).toBeInstanceOf(UndecodableResponseError);
      const u = err as UndecodableResponseError;
      expect(u.cause).toBeInstanceOf(ProtocolDecodeError);
      expect(u.brokerId).toBe(0);
      expect(u.failures).toBe(3);
      expect(u.offset).toBe(0n);
    }
    expect((errors as UndecodableResponseError[]).map((u) => u.partition).sort()).toEqual([0, 1]);
    // Two answers retried, each reported once per partition it asked for; the third raised.
    expect(retried.filter((r) => r.error instanceof ProtocolDecodeError).length).toBe(2 * 2);
    expect(c.fetches.length).toBe(3);
  });

  it('a garbled answer now and then is retried and loses nothing', async () => {
    const c = await cluster();
    c.garbled.add(0);
    const e = engine(c, { maxUndecodableFetches: 3 });
    e.assign([
      { topic: 'g', partition: 0, offset: 0n },
      { topic: 'g', partition: 1, offset: 0n },
    ]);
    const got: string[] = [];
    const reading = (async () => {
      while (got.length < 3) for (const m of (await e.next()).messages) got.push(m.value!.toString());
    })();
    // Two bad answers (below the limit), then the broker answers well.
    while (c.fetches.length < 2) await new Promise((r) => setTimeout(r, 2));
    c.garbled.delete(0);
    await within(reading, 5000, 'reading');
    expect(got.sort()).toEqual(['a0', 'a1', 'b0']);
  });

  it('a consumer class rejects read() with the typed error instead of retrying forever', async () => {
    const c = await cluster();
    c.garbled.add(0);
    const consumer = new FlinkKafkaConsumer082('g', new SimpleStringSchema(), {
      'bootstrap.servers': c.brokers.map((b) => `${b.host}:${b.port}`).join(','),
      'zookeeper.connect': '127.0.0.1:1',
      claimSubtask: false, // no ZooKeeper here: the fake brokers are the whole cluster
      'group.id': 'undecodable',
      'auto.commit.enable': false,
      'fetch.wait.max.ms': 20,
      'refresh.leader.backoff.ms': 5,
      startFrom: 'earliest',
    });
    closers.push(() => consumer.close());
    const err = await within(
      consumer.read().catch((e: unknown) => e),
      10_000,
      'read',
    );
    expect(err).toBeInstanceOf(UndecodableResponseError);
    expect((err as UndecodableResponseError).topic).toBe('g');
  });
});
