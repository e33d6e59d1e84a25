import type { ConsumerProperties } from '../../src/index.js';
import type { LocalKafka } from '../../src/rig/index.js';
import { uniqueTopic } from '../helpers/cluster.js';

/** Kafka-style properties for a test consumer, Flink KafkaTestBase's standard ones adapted. */
export function props(k: LocalKafka, group: string, extra: ConsumerProperties = {}): ConsumerProperties {
  return {
    'bootstrap.servers': k.brokers,
    'zookeeper.connect': k.zookeeper,
    'group.id': group,
    'auto.offset.reset': 'smallest',
    'fetch.wait.max.ms': 50,
    'socket.timeout.ms': 10_000,
    ...extra,
  };
}

export function uniqueGroup(prefix: string): string {
  return uniqueTopic(`g-${prefix}`);
}

/** Creates a topic and writes `perPartition` values "p:k" to each partition. */
export async function seedTopic(
  k: LocalKafka,
  prefix: string,
  partitions: number,
  perPartition: number,
): Promise<string> {
  const topic = uniqueTopic(prefix);
  await k.createTopic({ name: topic, partitions });
  if (perPartition > 0) {
    const records = [];
    for (let p = 0; p < partitions; p++)
      for (let i = 0; i < perPartition; i++) records.push({ partition: p, value: `${p}:${i}` });
    await k.produce(topic, records);
  }
  return topic;
}

export function zkOffsetPath(group: string, topic: string, partition: number): string {
  return `/consumers/${group}/offsets/${topic}/${partition}`;
}

/** Reads until `n` records arrived or `ms` passed; fails loudly on a timeout. */
export async function readN<T>(c: { read(): Promise<T | undefined> }, n: number, ms = 30_000): Promise<T[]> {
  const out: T[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`only ${out.length} of ${n} records within ${ms} ms`);
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      c.read(),
      new Promise<'timeout'>((res) => {
        timer = setTimeout(() => res('timeout'), left);
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`only ${out.length} of ${n} records within ${ms} ms`);
    if (r === undefined) break;
    out.push(r);
  }
  return out;
}

/** KafkaSource properties with short timings, so rebalances and commits happen within a test. */
export function kafkaSourceProps(
  cluster: LocalKafka,
  group: string,
  extra: Record<string, string | number> = {},
) {
  return {
    'zookeeper.connect': cluster.zookeeper,
    'group.id': group,
    'auto.offset.reset': 'smallest',
    'auto.commit.interval.ms': 200,
    'rebalance.backoff.ms': 300,
    'rebalance.max.retries': 10,
    'zookeeper.session.timeout.ms': 4000,
    'fetch.wait.max.ms': 50,
    'socket.timeout.ms': 10_000,
    ...extra,
  };
}

/** Polls `get` until `ok` holds, failing with the last value after `ms`. */
export async function until<T>(
  what: string,
  get: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
