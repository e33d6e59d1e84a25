import { afterAll, describe, expect, it } from 'vitest';
import { FlinkKafkaConsumer082 } from '../../src/consumers/flink-kafka-consumer-082.js';
import { SimpleStringSchema } from '../../src/consumers/schemas.js';
import { Kafka08Error } from '../../src/protocol/index.js';
import { memoryPeak, reportFigures, scaled, seeded } from '../faults/results.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { ClusterProxy, type NetworkFault } from '../helpers/kafka-proxy.js';

// Network faults between the consumer and the broker, through a loopback proxy that rewrites
// Metadata so the consumer only ever reaches the broker through it: connections cut mid-frame,
// stalled responses, half-open sockets, one byte at a time, a listener that accepts and never
// answers. The consumer must keep going (recovering within socket.timeout.ms plus backoff),
// deliver every record exactly once in order, and leave no socket or timer behind.

const ROUNDS = scaled(2, 10);
const MESSAGES = scaled(25_000, 150_000);
/** The reader takes at most this many records per 10 ms, so the stream outlasts the faults. */
const READ_RATE = 30;
/** More records than the 32 KiB prefetch holds: seeing them means data flowed again after a fault. */
const PAST_PREFETCH = 400;
const SOCKET_TIMEOUT_MS = 1000;
/** socket.timeout.ms + the engine's longest leader-lookup backoff + slack for 2 busy cores. */
const RECOVERY_BOUND_MS = 2 * SOCKET_TIMEOUT_MS + 5000;
const FAULTS: readonly NetworkFault[] = [
  'cut mid-frame',
  'stalled responses',
  'half-open sockets',
  'one byte at a time',
  'accepts, never answers',
];

const k = () => sharedCluster('0.8.2.2');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

let proxy: ClusterProxy | undefined;
afterAll(async () => {
  await proxy?.close();
});

describe('network faults between consumer and broker', () => {
  it(`${ROUNDS} rounds of ${FAULTS.length} faults: no loss, no duplicate, bounded recovery, no leak`, async () => {
    const topic = uniqueTopic('faults-net');
    await k().createTopic({ name: topic, partitions: 2 });
    const records = Array.from({ length: MESSAGES }, (_, i) => ({
      partition: i % 2,
      value: `${i % 2}:${Math.floor(i / 2)}:${'x'.repeat(i % 300)}`,
    }));
    // Uncompressed, so small fetch and prefetch sizes keep traffic flowing while faults hit it.
    await k().produce(topic, records);
    const socketsBefore = sockets();
    proxy = await ClusterProxy.start(k().brokerList);
    const consumer = new FlinkKafkaConsumer082(topic, new SimpleStringSchema(), {
      'bootstrap.servers': proxy.bootstrap,
      'zookeeper.connect': k().zookeeper,
      'group.id': `${topic}-g`,
      'socket.timeout.ms': SOCKET_TIMEOUT_MS,
      'fetch.wait.max.ms': 100,
      'fetch.message.max.bytes': 16 * 1024,
      prefetchBytes: 32 * 1024,
      startFrom: 'earliest',
      commitOffsets: false,
      claimSubtask: false,
    });
    const retriable = new Map<string, number>();
    consumer.on('retriable-error', (e) => {
      const name = e.error instanceof Kafka08Error ? e.error.name : 'untyped';
      retriable.set(name, (retriable.get(name) ?? 0) + 1);
    });
    // The process already holds the test's records and what producing them left: say how much,
    // so the peak is not read as the consumer's.
    const rssAtStart = process.memoryUsage.rss();
    const mem = memoryPeak();
    const next = [0, 0];
    let received = 0;
    let duplicated = 0;
    let lost = 0;
    let lastRecordAt = Date.now();
    let failure: unknown;
    const reading = (async () => {
      const deadline = Date.now() + 300_000;
      while (received < MESSAGES && Date.now() < deadline) {
        if (!(await consumer.ready())) break;
        let taken = 0;
        for (
          let r = consumer.poll();
          r !== undefined;
          r = taken++ < READ_RATE ? consumer.poll() : undefined
        ) {
          const [p, seq] = r.value.split(':').map(Number) as [number, number];
          if (seq < next[p]!) duplicated++;
          else {
            lost += seq - next[p]!;
            next[p] = seq + 1;
          }
          received++;
          lastRecordAt = Date.now();
        }
        await sleep(10);
      }
    })().catch((err: unknown) => {
      failure = err;
    });
    const rng = seeded(0x4e7);
    const recoveries: Record<string, number> = {};
    let injected = 0;
    const px = proxy;
    for (let round = 0; round < ROUNDS; round++) {
      for (const fault of FAULTS) {
        // A seeded moment while data flows: some records after the previous fault healed.
        const target = Math.min(MESSAGES - 1, received + 200 + Math.floor(rng() * 800));
        while (received < target && failure === undefined) await sleep(5);
        if (received >= MESSAGES - 1 || failure !== undefined) break;
        px.fault = fault;
        injected++;
        if (fault === 'accepts, never answers') for (const p of px.proxies.values()) p.cutAll();
        await sleep(fault === 'cut mid-frame' ? 50 : SOCKET_TIMEOUT_MS * (1 + rng()));
        const healedAt = Date.now();
        px.heal();
        const flowing = received + PAST_PREFETCH;
        while (received < flowing && failure === undefined && Date.now() - healedAt < 60_000) await sleep(5);
        const ms = Math.max(0, lastRecordAt - healedAt);
        recoveries[fault] = Math.max(recoveries[fault] ?? 0, ms);
      }
    }
    await reading;
    await consumer.close();
    if (failure !== undefined) throw failure;
    await px.close();
    proxy = undefined;
    await sleep(200);
    const peak = mem.stop();
    const worst = Math.max(...Object.values(recoveries));
    reportFigures('network', {
      fault: 'network: cut mid-frame, stalls, half-open, 1 byte at a time, silent accept',
      count: injected,
      records: MESSAGES,
      lost: lost + (MESSAGES - received),
      duplicated,
      worstRecoveryMs: worst,
      peakMemoryBytes: peak,
      notes: `RSS when the faults began ${Math.round(rssAtStart / 2 ** 20)} MiB (the test's ${MESSAGES} records and their production; the consumer's prefetch is 32 KiB); worst recovery by fault (ms): ${JSON.stringify(recoveries)}; retriable errors: ${JSON.stringify(Object.fromEntries(retriable))}`,
    });
    expect(injected).toBe(ROUNDS * FAULTS.length);
    expect(received).toBe(MESSAGES);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(next).toEqual([MESSAGES / 2, MESSAGES / 2]);
    expect(retriable.get('untyped') ?? 0).toBe(0);
    for (const [fault, ms] of Object.entries(recoveries))
      expect(ms, `recovery after "${fault}"`).toBeLessThan(RECOVERY_BOUND_MS);
    expect(sockets()).toBeLessThanOrEqual(socketsBefore);
  }, 300_000);
});
