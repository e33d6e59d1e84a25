import { afterEach, describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082 } from '../../../src/consumers/flink-kafka-consumer-082.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import { FakeCluster, key } from '../simple-consumer/fetch-engine-fake-cluster.js';

// A corrupt record in the middle of a fetched batch: the consumer delivers every record before
// it, then fails with the error naming it, and commits exactly up to it: a restart meets the
// same record again, and nothing before it is read twice or skipped.

const clusters: FakeCluster[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

function consumer(c: FakeCluster, group: string): FlinkKafkaConsumer082<string> {
  const k = new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
    'bootstrap.servers': c.brokers.map((b) => `${b.host}:${b.port}`).join(','),
    'zookeeper.connect': '127.0.0.1:1',
    claimSubtask: false, // no ZooKeeper here: the fake brokers are the whole cluster
    'group.id': group,
    'auto.offset.reset': 'smallest',
    'fetch.wait.max.ms': 20,
    'auto.commit.interval.ms': 60_000,
  });
  closers.push(() => k.close());
  return k;
}

/** Reads with `for await` until the loop throws: the values and the error. */
async function readAll(k: FlinkKafkaConsumer082<string>): Promise<{ seen: string[]; error: unknown }> {
  const seen: string[] = [];
  try {
    for await (const v of k) seen.push(v);
  } catch (error) {
    return { seen, error };
  }
  return { seen, error: undefined };
}

describe('a corrupt record inside a batch', () => {
  it('delivers the records before it, fails naming it, and commits up to it', async () => {
    const c = await FakeCluster.start(1);
    clusters.push(c);
    c.addPartition('t', 0, 0);
    c.append(
      't',
      0,
      Array.from({ length: 60 }, (_, i) => `v${i}`),
    );
    const entry = c.logs.get(key('t', 0))!.entries[30]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes[entry.bytes.length - 1]! ^= 0xff;

    const first = await readAll(consumer(c, 'g'));
    expect(first.seen).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`));
    expect(first.error).toBeInstanceOf(CorruptError);
    expect(first.error).toMatchObject({ reason: 'bad-crc', topic: 't', partition: 0, offset: 30n });
    await closers.splice(0)[0]!();
    expect(c.committed.get('g')?.get(key('t', 0))).toBe(30n);

    // A restart of the group meets the same record at once, with nothing before it again.
    const again = await readAll(consumer(c, 'g'));
    expect(again.seen).toEqual([]);
    expect(again.error).toMatchObject({ reason: 'bad-crc', offset: 30n });
  });
});
