import { afterEach, describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082 } from '../../../src/consumers/flink-kafka-consumer-082.js';
import type { ConsumerMetrics, Logger } from '../../../src/consumers/observability.js';
import { SimpleStringSchema } from '../../../src/consumers/schemas.js';
import type { ConsumerProperties } from '../../../src/index.js';
import { FakeCluster, key } from '../simple-consumer/fetch-engine-fake-cluster.js';

// An operator sees lag, rates and failures without writing code: metrics() and the metrics
// event; and, with a logger given, what the consumer does. Without one the library prints nothing.

const clusters: FakeCluster[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

async function cluster(brokers = 1): Promise<FakeCluster> {
  const c = await FakeCluster.start(brokers);
  clusters.push(c);
  c.addPartition('t', 0, 0);
  c.addPartition('t', 1, 0);
  c.append('t', 0, ['aa', 'bb', 'cc']);
  c.append('t', 1, ['dddd']);
  return c;
}

function consumer(c: FakeCluster, extra: ConsumerProperties = {}): FlinkKafkaConsumer082<string> {
  const k = new FlinkKafkaConsumer082('t', new SimpleStringSchema(), {
    'bootstrap.servers': c.brokers.map((b) => `${b.host}:${b.port}`).join(','),
    'zookeeper.connect': '127.0.0.1:1',
    claimSubtask: false, // no ZooKeeper here: the fake brokers are the whole cluster
    'group.id': 'metrics',
    'auto.offset.reset': 'smallest',
    'fetch.wait.max.ms': 20,
    'refresh.leader.backoff.ms': 5,
    ...extra,
  });
  closers.push(() => k.close());
  return k;
}

/** A logger that keeps every line. */
function recorder(): Logger & { lines: { level: string; fields: object; message: string }[] } {
  const lines: { level: string; fields: object; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) => lines.push({ level, fields, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('metrics()', () => {
  it('reports position, log end and lag per partition, and what was handed out', async () => {
    const c = await cluster();
    const k = consumer(c, { 'auto.commit.enable': false });
    const got: string[] = [];
    while (got.length < 4) got.push((await k.read())!);
    // One more record arrives at partition 0 and is fetched, not yet handed out.
    c.append('t', 0, ['eeeee']);
    const deadline = Date.now() + 2000;
    let m: ConsumerMetrics = k.metrics();
    while (m.partitions.find((p) => p.partition === 0)?.highWatermark !== 4n && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      m = k.metrics();
    }
    const byPartition = m.partitions.sort((a, b) => a.partition - b.partition);
    expect(byPartition.map((p) => [p.position, p.highWatermark, p.lag])).toEqual([
      [3n, 4n, 1n],
      [1n, 1n, 0n],
    ]);
    expect(m.records).toBe(4);
    expect(m.bytes).toBe(2 + 2 + 2 + 4);
    expect(m.fetches).toBeGreaterThan(0);
    expect(m.fetchLatencyP99Ms).toBeGreaterThanOrEqual(m.fetchLatencyP50Ms);
    expect(m.commits).toBe(0);
  });

  it('counts commits and emits a metrics event every metrics.interval.ms', async () => {
    const c = await cluster();
    const k = consumer(c, { 'metrics.interval.ms': 30, 'auto.commit.interval.ms': 20 });
    const events: ConsumerMetrics[] = [];
    k.on('metrics', (m) => events.push(m));
    while ((await k.read()) !== '0:x' && events.length < 4 && k.metrics().records < 4);
    const more = k.read();
    await new Promise((r) => setTimeout(r, 150));
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(k.metrics().commits).toBeGreaterThanOrEqual(1);
    expect(c.committed.get('metrics')?.get(key('t', 0))).toBe(3n);
    await k.close();
    await more;
    const after = events.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(events.length).toBe(after);
  });
});

describe('logger', () => {
  it('hears connects, a lost connection with its cause, leader moves and offset resets', async () => {
    const c = await cluster(2);
    const log = recorder();
    const k = consumer(c, { logger: log, 'auto.commit.enable': false });
    const got: string[] = [];
    while (got.length < 4) got.push((await k.read())!);
    // The leader moves, and its old broker drops the connection mid-fetch.
    c.leaders.set(key('t', 0), 1);
    c.cutting.set(0, 1);
    c.append('t', 0, ['moved']);
    expect(await k.read()).toBe('moved');
    const messages = log.lines.map((l) => `${l.level}:${l.message}`);
    expect(messages).toContain('debug:connected to broker');
    expect(messages).toContain('info:offset reset');
    expect(messages).toContain('info:partition leader changed');
    expect(log.lines.some((l) => l.level === 'warn' && l.message === 'lost connection to broker')).toBe(true);
  });

  it('warns when a reset follows a log cut beneath the reader, and keeps a retention reset at info', async () => {
    const c = await cluster();
    const log = recorder();
    const k = consumer(c, { logger: log, 'auto.commit.enable': false });
    const got: string[] = [];
    while (got.length < 4) got.push((await k.read())!);
    // Partition 0's log now ends at 1, below the position 3 the consumer read up to.
    c.truncateFrom('t', 0, 1n);
    c.append('t', 0, ['new-1']);
    const replayed: string[] = [];
    while (!replayed.includes('new-1')) replayed.push((await k.read())!);
    expect(replayed).toEqual(['aa', 'new-1']);
    const cut = log.lines.filter((l) => (l.fields as { from?: bigint }).from === 3n);
    expect(cut.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'offset reset: the leader log was cut beneath the reader'],
    ]);
    expect(cut[0]!.fields).toMatchObject({ event: 'offset-reset', partition: 0, to: 0n, beyondLogEnd: true });
    // The start positions (smallest) were resolved at info.
    const starts = log.lines.filter((l) => (l.fields as { event?: string }).event === 'offset-reset');
    expect(starts.filter((l) => l.level === 'info')).toHaveLength(2);
  });

  it('rejects a logger that is not one', () => {
    expect(() =>
      consumer({ brokers: [{ host: '127.0.0.1', port: 1 }] } as unknown as FakeCluster, {
        logger: { info: () => {} } as unknown as Logger,
      }),
    ).toThrow(/logger must have debug, info, warn and error/);
  });

  it('without a logger, nothing is written to stdout or stderr, even through failures', async () => {
    const c = await cluster(2);
    const written: string[] = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => written.push(String(s)) > 0) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => written.push(String(s)) > 0) as typeof process.stderr.write;
    try {
      const k = consumer(c, { 'auto.commit.enable': false });
      const got: string[] = [];
      while (got.length < 4) got.push((await k.read())!);
      c.leaders.set(key('t', 0), 1);
      c.cutting.set(0, 1);
      c.append('t', 0, ['moved']);
      expect(await k.read()).toBe('moved');
      await k.close();
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    expect(written).toEqual([]);
  });
});
