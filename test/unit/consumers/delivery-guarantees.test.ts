import { afterEach, describe, expect, it } from 'vitest';
import { ProcessingError } from '../../../src/consumers/errors.js';
import { FlinkKafkaConsumer082 } from '../../../src/consumers/flink-kafka-consumer-082.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import { SubtaskClaimUnavailableError } from '../../../src/consumers/subtask-claim.js';
import type { ConsumerProperties } from '../../../src/index.js';
import { Codec, compress } from '../../../src/protocol/compression/index.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import { within } from '../../helpers/within.js';
import { rawEntry } from '../message-set/helpers.js';
import { FakeCluster, key } from '../simple-consumer/fetch-engine-fake-cluster.js';

// Commits cover processed records only: a record handed out and still being worked on (or whose
// handler failed) is never committed, whatever the reading form; overlapping reads lose nothing.

const clusters: FakeCluster[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

/** Partitions 0..n-1 of topic `t`, each holding `perPartition` values `p:i`. */
async function cluster(partitions: number, perPartition: number): Promise<FakeCluster> {
  const c = await FakeCluster.start(1);
  clusters.push(c);
  for (let p = 0; p < partitions; p++) {
    c.addPartition('t', p, 0);
    if (perPartition > 0)
      c.append(
        't',
        p,
        Array.from({ length: perPartition }, (_, i) => `${p}:${i}`),
      );
  }
  return c;
}

function consumer(
  c: FakeCluster,
  group: string,
  extra: ConsumerProperties = {},
): FlinkKafkaConsumer082<string> {
  const k = new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
    'bootstrap.servers': c.brokers.map((b) => `${b.host}:${b.port}`).join(','),
    'zookeeper.connect': '127.0.0.1:1',
    claimSubtask: false, // no ZooKeeper here: the fake brokers are the whole cluster
    'group.id': group,
    'auto.offset.reset': 'smallest',
    'fetch.wait.max.ms': 20,
    'auto.commit.interval.ms': 60_000,
    ...extra,
  });
  closers.push(() => k.close());
  return k;
}

const committed = (c: FakeCluster, group: string, p = 0) => c.committed.get(group)?.get(key('t', p));

/** Waits (up to 5 s) for the group's committed offset to reach `offset`. */
async function untilCommitted(c: FakeCluster, group: string, offset: bigint): Promise<void> {
  const deadline = Date.now() + 5000;
  while (committed(c, group) !== offset && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(committed(c, group)).toBe(offset);
}

describe('commits cover processed records only', () => {
  it('a for-await body that throws leaves its record uncommitted (the close commit stops before it)', async () => {
    const c = await cluster(1, 10);
    const k = consumer(c, 'g-throw');
    await expect(
      (async () => {
        for await (const v of k) if (v === '0:4') throw new Error('cannot process 0:4');
      })(),
    ).rejects.toThrow('cannot process 0:4');
    expect(committed(c, 'g-throw')).toBe(4n);
  });

  it('a periodic commit while a record is being processed stops before it', async () => {
    const c = await cluster(1, 10);
    const k = consumer(c, 'g-periodic', { 'auto.commit.interval.ms': 20 });
    expect(await k.read()).toBe('0:0');
    expect(await k.read()).toBe('0:1');
    // 0:1 is still being processed: no read call since it was handed out. Several periodic
    // commits go by (polled, so a loaded machine only makes the test slower).
    await untilCommitted(c, 'g-periodic', 1n);
    await new Promise((r) => setTimeout(r, 120));
    expect(committed(c, 'g-periodic')).toBe(1n);
    expect(await k.read()).toBe('0:2');
    await untilCommitted(c, 'g-periodic', 2n);
  });

  it('a batch counts as processed once the next read is asked for, or at an explicit close', async () => {
    const c = await cluster(1, 10);
    const k = consumer(c, 'g-batch', { 'auto.commit.interval.ms': 20 });
    const b = await k.nextBatch();
    expect(b?.records).toHaveLength(10);
    await new Promise((r) => setTimeout(r, 120));
    expect(committed(c, 'g-batch')).toBe(0n);
    const more = k.nextBatch();
    await new Promise((r) => setTimeout(r, 120));
    expect(committed(c, 'g-batch')).toBe(10n);
    c.append('t', 0, ['0:10']);
    expect((await more)?.records).toEqual(['0:10']);
    // Closing when done counts what was read as processed, as Kafka's own consumer does.
    await k.close();
    expect(committed(c, 'g-batch')).toBe(11n);
  });

  it('a destroyed stream gives back the records it pulled but its reader never took', async () => {
    const c = await cluster(1, 10);
    const k = consumer(c, 'g-stream');
    const s = k.stream({ highWaterMark: 3 });
    const got: string[] = [];
    for await (const v of s) {
      got.push(v as string);
      if (got.length === 2) break; // destroys the stream, closing the consumer
    }
    expect(got).toEqual(['0:0', '0:1']);
    await k.close();
    // 0:0 was processed (the loop asked for the next), 0:1 was being processed when it broke.
    expect(committed(c, 'g-stream')).toBe(1n);
  });
});

describe('run()', () => {
  it('commits every record whose handler resolved, and stops at the end', async () => {
    const c = await cluster(2, 5);
    const k = consumer(c, 'g-run', { signal: undefined });
    const seen: string[] = [];
    const ac = new AbortController();
    await within(
      k.run({
        eachRecord: async (v, where) => {
          expect(v).toBe(`${where.partition}:${where.offset}`);
          seen.push(v);
          if (seen.length === 10) ac.abort();
        },
        signal: ac.signal,
      }),
      5000,
      'run',
    );
    expect(seen.sort()).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4', '1:0', '1:1', '1:2', '1:3', '1:4']);
    expect([committed(c, 'g-run', 0), committed(c, 'g-run', 1)]).toEqual([5n, 5n]);
  });

  it('a rejecting handler stops the consumer with a ProcessingError; its record is not committed', async () => {
    const c = await cluster(1, 10);
    const k = consumer(c, 'g-run-fail');
    const failure = new Error('sink is down');
    const err = await within(
      k
        .run({
          eachRecord: async (v) => {
            await new Promise((r) => setTimeout(r, 1));
            if (v === '0:6') throw failure;
          },
        })
        .catch((e: unknown) => e),
      5000,
      'run',
    );
    expect(err).toBeInstanceOf(ProcessingError);
    const p = err as ProcessingError;
    expect([p.topic, p.partition, p.offset, p.cause]).toEqual(['t', 0, 6n, failure]);
    expect(committed(c, 'g-run-fail')).toBe(6n);
    expect(await k.read()).toBeUndefined();
  });

  it('a sync handler: every record in order; a throw stops there with a ProcessingError, commits stop before it', async () => {
    const c = await cluster(1, 20);
    const k = consumer(c, 'g-run-sync');
    const seen: string[] = [];
    const failure = new Error('bad record');
    const err = await within(
      k
        .run({
          eachRecord: (v) => {
            if (v === '0:12') throw failure;
            seen.push(v);
          },
        })
        .catch((e: unknown) => e),
      5000,
      'run',
    );
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `0:${i}`));
    expect(err).toBeInstanceOf(ProcessingError);
    expect(err).toMatchObject({ topic: 't', partition: 0, offset: 12n, cause: failure });
    expect(committed(c, 'g-run-sync')).toBe(12n);
  });

  it('a sync handler that aborts stops after its own record, with more in hand', async () => {
    const c = await cluster(1, 50);
    const k = consumer(c, 'g-run-sync-abort');
    const ac = new AbortController();
    const seen: string[] = [];
    await within(
      k.run({
        eachRecord: (v) => {
          seen.push(v);
          if (seen.length === 7) ac.abort();
        },
        signal: ac.signal,
      }),
      5000,
      'run',
    );
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `0:${i}`));
    expect(committed(c, 'g-run-sync-abort')).toBe(7n);
  });

  it('run() with a sync handler and read() calls overlapping it: every record exactly once, in order each', async () => {
    const c = await cluster(1, 300);
    const k = consumer(c, 'g-run-overlap');
    const ac = new AbortController();
    const byRun: string[] = [];
    const byRead: string[] = [];
    const total = () => byRun.length + byRead.length;
    const reading = (async () => {
      while (!ac.signal.aborted) {
        const v = await k.read();
        if (v === undefined) return;
        byRead.push(v);
        if (total() === 300) ac.abort();
      }
    })();
    await within(
      k.run({
        eachRecord: (v) => {
          byRun.push(v);
          if (total() === 300) ac.abort();
        },
        signal: ac.signal,
      }),
      5000,
      'run',
    );
    await within(reading, 5000, 'reads');
    const offsetOf = (v: string) => Number(v.split(':')[1]);
    expect(byRead.length).toBeGreaterThan(0);
    expect(byRun.map(offsetOf)).toEqual([...byRun.map(offsetOf)].sort((a, b) => a - b));
    expect(byRead.map(offsetOf)).toEqual([...byRead.map(offsetOf)].sort((a, b) => a - b));
    expect([...byRun, ...byRead].map(offsetOf).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 300 }, (_, i) => i),
    );
  });

  it('eachBatch: a batch is committed once its handler resolves', async () => {
    const c = await cluster(1, 8);
    const k = consumer(c, 'g-run-batch');
    const ac = new AbortController();
    let n = 0;
    await k.run({
      eachBatch: async (b) => {
        n += b.records.length;
        if (n === 8) ac.abort();
      },
      signal: ac.signal,
    });
    expect(committed(c, 'g-run-batch')).toBe(8n);
  });
});

describe('overlapping reads', () => {
  it('serve every record once, in order per partition, and never hang', async () => {
    const c = await cluster(3, 400);
    for (let p = 0; p < 3; p++) c.append('t', p, ['END']);
    const k = new FlinkKafkaConsumer082('t', new SimpleStringSchema({ endMarker: 'END' }), {
      'bootstrap.servers': c.brokers.map((b) => `${b.host}:${b.port}`).join(','),
      'zookeeper.connect': '127.0.0.1:1',
      claimSubtask: false, // no ZooKeeper here: the fake brokers are the whole cluster
      'group.id': 'g-overlap',
      'auto.offset.reset': 'smallest',
      'auto.commit.enable': false,
      'fetch.wait.max.ms': 20,
    });
    closers.push(() => k.close());
    const all: string[] = [];
    // Every partition ends at its END marker, so reads past the end resolve (undefined).
    for (;;) {
      const [a, b, r1, r2] = await within(
        Promise.all([k.nextBatch(), k.nextBatch(), k.read(), k.read()]),
        5000,
        `overlapping reads after ${all.length} records`,
      );
      for (const x of [...(a?.records ?? []), ...(b?.records ?? [])]) all.push(x);
      for (const x of [r1, r2]) if (x !== undefined) all.push(x);
      if (a === undefined && b === undefined && r1 === undefined && r2 === undefined) break;
    }
    expect(all.length).toBe(1200);
    expect(new Set(all).size).toBe(1200);
    for (let p = 0; p < 3; p++) {
      const mine = all.filter((v) => v.startsWith(`${p}:`)).map((v) => Number(v.slice(2)));
      expect(mine).toEqual(Array.from({ length: 400 }, (_, i) => i));
    }
  });
});

describe('subtask claim without ZooKeeper', () => {
  it('says ZooKeeper is unreachable and how to run without it, as a typed error', async () => {
    const c = await cluster(1, 1);
    const k = new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
      'bootstrap.servers': `${c.brokers[0]!.host}:${c.brokers[0]!.port}`,
      'zookeeper.connect': '127.0.0.1:1',
      'zookeeper.connection.timeout.ms': 300,
      'group.id': 'g-no-zk',
    });
    closers.push(() => k.close());
    const err = await k.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubtaskClaimUnavailableError);
    expect((err as Error).message).toMatch(/claimSubtask: false/);
  });
});

describe('reads waiting for data', () => {
  it('a caught-up consumer: reads wait (no error to repeat), and close settles them as undefined', async () => {
    const c = await cluster(1, 10);
    const k = consumer(c, 'g-caught-up');
    for (let i = 0; i < 10; i++) expect(await k.read()).toBe(`0:${i}`);
    const waiting = Array.from({ length: 3 }, () => k.read());
    const early = await Promise.race([
      Promise.allSettled(waiting),
      new Promise((r) => setTimeout(() => r('waiting'), 200)),
    ]);
    expect(early).toBe('waiting');
    await k.close();
    const settled = await within(Promise.allSettled(waiting), 5000, 'reads pending at close');
    expect(settled).toEqual(Array.from({ length: 3 }, () => ({ status: 'fulfilled', value: undefined })));
  });
});

describe('a corrupt record inside a batch', () => {
  it('delivers the records before it, fails naming it, and commits up to it', async () => {
    const c = await cluster(1, 60);
    const entry = c.logs.get(key('t', 0))!.entries[30]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes[entry.bytes.length - 1]! ^= 0xff;
    const readAll = async (k: FlinkKafkaConsumer082<string>): Promise<{ seen: string[]; error: unknown }> => {
      const seen: string[] = [];
      try {
        for await (const v of k) seen.push(v);
      } catch (error) {
        return { seen, error };
      }
      return { seen, error: undefined };
    };

    const first = await readAll(consumer(c, 'g-corrupt'));
    expect(first.seen).toEqual(Array.from({ length: 30 }, (_, i) => `0:${i}`));
    expect(first.error).toBeInstanceOf(CorruptError);
    expect(first.error).toMatchObject({ reason: 'bad-crc', topic: 't', partition: 0, offset: 30n });
    await closers.splice(0)[0]!();
    expect(committed(c, 'g-corrupt')).toBe(30n);

    // A restart of the group meets the same record at once, with nothing before it again.
    const again = await readAll(consumer(c, 'g-corrupt'));
    expect(again.seen).toEqual([]);
    expect(again.error).toMatchObject({ reason: 'bad-crc', offset: 30n });
    await closers.splice(0)[0]!();

    // Skipping the damaged record, as the README says: the rest, and nothing else is lost.
    const skip = consumer(c, 'g-corrupt', {
      startFrom: { specificOffsets: [{ topic: 't', partition: 0, offset: 31n }] },
    });
    const rest: string[] = [];
    for await (const v of skip) {
      rest.push(v);
      if (rest.length === 29) break;
    }
    expect(rest).toEqual(Array.from({ length: 29 }, (_, i) => `0:${i + 31}`));
  });

  it('run() rejects with it after the handlers of the records before it, and commits up to it', async () => {
    const c = await cluster(1, 60);
    const entry = c.logs.get(key('t', 0))!.entries[30]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes[entry.bytes.length - 1]! ^= 0xff;
    const handled: string[] = [];
    const err = await consumer(c, 'g-corrupt-run')
      .run({
        eachRecord: async (v) => {
          handled.push(v);
        },
      })
      .catch((e: unknown) => e);
    expect(handled).toEqual(Array.from({ length: 30 }, (_, i) => `0:${i}`));
    expect(err).toBeInstanceOf(CorruptError);
    expect(err).toMatchObject({ reason: 'bad-crc', offset: 30n });
    expect(committed(c, 'g-corrupt-run')).toBe(30n);
  });

  it('stream() emits the records before it, then the error', async () => {
    const c = await cluster(1, 60);
    const entry = c.logs.get(key('t', 0))!.entries[30]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes[entry.bytes.length - 1]! ^= 0xff;
    const stream = consumer(c, 'g-corrupt-stream').stream();
    const seen: string[] = [];
    const error = await new Promise<unknown>((resolve) => {
      stream.on('data', (v: string) => seen.push(v));
      stream.on('error', resolve);
      stream.on('end', () => resolve(undefined));
    });
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `0:${i}`));
    expect(error).toBeInstanceOf(CorruptError);
    expect(error).toMatchObject({ reason: 'bad-crc', offset: 30n });
  });

  it('overlapping read() calls: the records before it in call order, then the error, again for each read behind it', async () => {
    const c = await cluster(1, 60);
    const entry = c.logs.get(key('t', 0))!.entries[30]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes[entry.bytes.length - 1]! ^= 0xff;
    const k = consumer(c, 'g-corrupt-overlap');
    const reads = Array.from({ length: 35 }, () => k.read());
    const settled = await within(Promise.allSettled(reads), 5000, 'reads behind a corrupt record');
    expect(settled.slice(0, 30).map((r) => (r.status === 'fulfilled' ? r.value : r.reason))).toEqual(
      Array.from({ length: 30 }, (_, i) => `0:${i}`),
    );
    // The consumer's only partition stopped there: nothing else can come, so every read behind
    // the error gets it too, instead of waiting until close.
    const first = settled[30];
    expect(first).toMatchObject({ status: 'rejected', reason: { reason: 'bad-crc', offset: 30n } });
    for (const r of settled.slice(31)) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBe((first as PromiseRejectedResult).reason);
    }
    // A later read too; the position stays at the corrupt record.
    await expect(k.read()).rejects.toMatchObject({ reason: 'bad-crc', offset: 30n });
    expect(k.snapshotState(1).offsets).toEqual([{ topic: 't', partition: 0, offset: '30' }]);
  });

  it('a damaged message inside a wrapper, values around the 16 KiB copy chunk: the ones before it, then skipping it loses nothing', async () => {
    const c = await FakeCluster.start(1);
    clusters.push(c);
    c.addPartition('t', 0, 0);
    const sizes = [16_000, 16_384, 17_000, 100];
    const text = (i: number) => `0:${i}`.padEnd(sizes[i]!, '.');
    const inner = Buffer.concat(
      sizes.map((_, i) =>
        rawEntry({ offset: BigInt(i), value: Buffer.from(text(i)), crc: i === 2 ? 1 : undefined }),
      ),
    );
    c.appendEncoded(
      't',
      0,
      rawEntry({ offset: 3n, attributes: Codec.Lz4, value: compress(Codec.Lz4, inner) }),
      3n,
    );
    c.append('t', 0, ['0:4']);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const v of consumer(c, 'g-inner')) seen.push(v);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([text(0), text(1)]);
    expect(error).toBeInstanceOf(CorruptError);
    expect(error).toMatchObject({ reason: 'bad-crc', offset: 2n });
    await closers.splice(0)[0]!();
    expect(committed(c, 'g-inner')).toBe(2n);
    const skip = consumer(c, 'g-inner', {
      startFrom: {
        specificOffsets: [{ topic: 't', partition: 0, offset: (error as CorruptError).offset! + 1n }],
      },
    });
    const rest: string[] = [];
    for await (const v of skip) {
      rest.push(v);
      if (rest.length === 2) break;
    }
    expect(rest).toEqual([text(3), '0:4']);
  });
});
