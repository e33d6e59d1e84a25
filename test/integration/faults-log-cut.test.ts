import { describe, expect, it } from 'vitest';
import {
  FlinkKafkaConsumer082,
  OffsetOutOfRangeError,
  type OffsetResetEvent,
  SimpleStringSchema,
} from '../../src/index.js';
import { ownCluster, uniqueTopic } from '../helpers/cluster.js';
import { props, uniqueGroup } from './consumers-helpers.js';

// A broker before 0.11 can lose records a reader already has: here by an unclean election (the
// only live replica is one that missed the last records), in the broker-loss test by a follower
// that truncated to its high watermark and was elected before it caught up (KAFKA-1211). The
// reader's position then lies beyond the new leader's log end, and the offsets from that end on
// are reused by new records. Each auto.offset.reset policy does what Kafka 0.8's consumer does,
// the reset says the log was cut, and nothing written after the cut is missed.

const cluster = ownCluster({ version: '0.8.2.2', brokers: 2 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

async function until(
  what: string,
  ok: () => boolean | Promise<boolean>,
  ms = 60_000,
  state: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${state()}`);
    await sleep(50);
  }
}

describe('a leader log cut beneath the reader (unclean election on 0.8.2.2)', () => {
  it('smallest reads again from the start, largest from the new end, none raises; the reset says so', async () => {
    const k = cluster.current;
    const topic = uniqueTopic('log-cut');
    await k.createTopic({ name: topic, partitions: 1, replicationFactor: 2 });
    const leader = (await k.waitForLeaders([{ name: topic, partitions: 1 }])).get(`${topic}/0`)!;
    const follower = leader === 0 ? 1 : 0;
    await k.produce(
      topic,
      values('a', 100).map((value) => ({ partition: 0, value })),
    );
    // The follower stops, leaves the ISR, and misses the next 100 records.
    await k.killBroker(follower, { signal: 'SIGKILL' });
    await until('the ISR without the stopped follower', async () => {
      const state = await k.zkGet(`/brokers/topics/${topic}/partitions/0/state`);
      return state !== null && JSON.stringify(JSON.parse(state).isr) === JSON.stringify([leader]);
    });
    await k.produce(
      topic,
      values('b', 100).map((value) => ({ partition: 0, value })),
    );

    const policies = ['smallest', 'largest', 'none'] as const;
    const seen = new Map(policies.map((p) => [p, [] as { offset: bigint; value: string }[]]));
    const resets = new Map(policies.map((p) => [p, [] as OffsetResetEvent[]]));
    const consumers = policies.map((policy) => {
      const c = new FlinkKafkaConsumer082(
        topic,
        new SimpleStringSchema(),
        props(k, uniqueGroup(`log-cut-${policy}`), {
          'auto.offset.reset': policy,
          'auto.commit.enable': false,
          'refresh.leader.backoff.ms': 100,
          'socket.timeout.ms': 5000,
          // Every reader starts at the log start: the policy only answers the cut.
          startFrom: 'earliest',
        }),
      );
      c.on('offset-reset', (e) => {
        if (e.from !== undefined) resets.get(policy)!.push(e);
      });
      return c;
    });
    const stop = new AbortController();
    const runs = consumers.map((c, i) =>
      c.run({
        signal: stop.signal,
        eachRecord: (value, ctx) => {
          seen.get(policies[i]!)!.push({ offset: ctx.offset, value });
        },
      }),
    );
    const failed = runs.map((r) =>
      r.then(
        () => undefined,
        (err: unknown) => err,
      ),
    );
    try {
      await until(
        'every reader at offset 200',
        () => policies.every((p) => seen.get(p)!.length === 200),
        60_000,
        () => policies.map((p) => `${p}: ${seen.get(p)!.length}`).join(', '),
      );

      // The leader crashes; the follower comes back and, the only live replica, is elected
      // with a log ending at 100.
      await k.killBroker(leader, { signal: 'SIGKILL' });
      await k.restartBroker(follower);
      const now = await k.waitForLeaders([{ name: topic, partitions: 1 }], { liveBrokers: 1 });
      expect(now.get(`${topic}/0`)).toBe(follower);
      await until('both resets', () => resets.get('smallest')!.length + resets.get('largest')!.length === 2);
      const noneError = await failed[2];
      // Written after the resets, so `largest` cannot have jumped past them.
      await k.produce(
        topic,
        values('c', 50).map((value) => ({ partition: 0, value })),
      );
      await until('the new records at smallest and largest', () =>
        ['smallest', 'largest'].every((p) => seen.get(p as 'smallest')!.at(-1)?.value === 'c49'),
      );

      const cut = { topic, partition: 0, from: 200n, beyondLogEnd: true };
      expect(resets.get('smallest')).toEqual([{ ...cut, to: 0n, target: 'earliest' }]);
      expect(resets.get('largest')).toEqual([{ ...cut, to: 100n, target: 'latest' }]);
      expect(noneError).toBeInstanceOf(OffsetOutOfRangeError);
      expect(noneError).toMatchObject({ topic, partition: 0, offset: 200n });

      const first = [...values('a', 100), ...values('b', 100)];
      const afterCut = (p: 'smallest' | 'largest') => seen.get(p)!.slice(200);
      // smallest: the whole log again; largest: only what came after the cut. Offsets 100-149
      // now hold the c records: the b records the readers had there are gone from the broker.
      expect(
        seen
          .get('smallest')!
          .slice(0, 200)
          .map((r) => r.value),
      ).toEqual(first);
      expect(afterCut('smallest').map((r) => r.value)).toEqual([...values('a', 100), ...values('c', 50)]);
      expect(afterCut('smallest').map((r) => r.offset)).toEqual(values('', 150).map(BigInt));
      expect(afterCut('largest').map((r) => r.value)).toEqual(values('c', 50));
      expect(afterCut('largest')[0]!.offset).toBe(100n);
      expect(seen.get('none')!.map((r) => r.value)).toEqual(first);
      // Kafka's own consumer sees the same log: the cut is the broker's.
      const log = await k.fetch(topic, 0, 0n);
      expect(log.map((r) => r.value?.toString())).toEqual([...values('a', 100), ...values('c', 50)]);
    } finally {
      stop.abort();
      await Promise.allSettled(runs);
      await Promise.all(consumers.map((c) => c.close()));
    }
  }, 240_000);
});
