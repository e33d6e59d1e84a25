/**
 * The kafka08 side of the compatibility checks: write with our own Produce v0 codec, read with
 * the fetch engine (what every consumer class reads through), and a SimpleConsumer per broker.
 */
import { inject } from 'vitest';
import { Codec, encodeMessageSet, type MessageToEncode, produceRequest } from '../../src/protocol/index.js';
import {
  attachLocalKafka,
  type KafkaVersion,
  type LocalKafka,
  startLocalKafka,
  type V0Compression,
} from '../../src/rig/index.js';
import { BrokerPool } from '../../src/simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../../src/simple-consumer/cluster-metadata.js';
import { FetchEngine } from '../../src/simple-consumer/fetch-engine/index.js';
import { SimpleConsumer } from '../../src/simple-consumer/simple-consumer.js';

export const CODEC: Record<V0Compression, Codec> = {
  none: Codec.None,
  gzip: Codec.Gzip,
  snappy: Codec.Snappy,
  lz4: Codec.Lz4,
};

/**
 * The shared cluster of this version if globalSetup started one, else one of this file's own
 * (started by `start()`, stopped by `stop()`), so any version can be checked in `npm test`.
 */
export class CompatCluster {
  private own: LocalKafka | undefined;
  private shared: LocalKafka | undefined;
  startMs: number | undefined;

  constructor(readonly version: KafkaVersion) {}

  async start(): Promise<void> {
    const key = this.version === '0.8.2.2' ? 'kafka082' : this.version === '0.8.1.1' ? 'kafka081' : undefined;
    const descriptor = key === undefined ? undefined : inject(key);
    if (descriptor !== undefined) {
      this.shared = attachLocalKafka(descriptor);
      return;
    }
    const t0 = Date.now();
    this.own = await startLocalKafka({ version: this.version });
    this.startMs = Date.now() - t0;
  }

  get k(): LocalKafka {
    const k = this.own ?? this.shared;
    if (k === undefined) throw new Error(`Kafka ${this.version} did not start (see the beforeAll error)`);
    return k;
  }

  async stop(): Promise<void> {
    this.shared?.close();
    await this.own?.stop();
  }
}

/** The client generation to configure for this broker: 0.8.1 only for 0.8.1.x itself. */
export function generation(version: KafkaVersion): '0.8.1' | '0.8.2' {
  return version === '0.8.1.1' ? '0.8.1' : '0.8.2';
}

export function simpleConsumer(k: LocalKafka, host?: string, port?: number): SimpleConsumer {
  const b = k.brokerList[0];
  if (b === undefined) throw new Error('cluster has no broker');
  return new SimpleConsumer({
    host: host ?? b.host,
    port: port ?? b.port,
    soTimeoutMs: 15_000,
    bufferSize: 64 * 1024,
    clientId: 'kafka08-compat',
    brokerVersion: generation(k.version),
  });
}

/** Produces each batch as one Produce v0 request (acks 1) with our own message-set encoder. */
export async function produceKafka08(
  k: LocalKafka,
  topic: string,
  batches: readonly MessageToEncode[][],
  codec: V0Compression,
): Promise<void> {
  const c = simpleConsumer(k);
  try {
    for (const batch of batches) {
      const resp = await c.request(
        produceRequest({
          requiredAcks: 1,
          timeoutMs: 10_000,
          topics: [
            {
              topic,
              partitions: [{ partition: 0, messageSet: encodeMessageSet(batch, { codec: CODEC[codec] }) }],
            },
          ],
        }),
      );
      const code = resp.topics[0]?.partitions[0]?.errorCode;
      if (code !== 0) throw new Error(`produce to ${topic} failed with error ${code}`);
    }
  } finally {
    await c.close();
  }
}

export interface ReadRecord {
  offset: bigint;
  key: string | null;
  value: string | null;
}

export interface ReadOutcome {
  records: Map<string, ReadRecord[]>;
  errors: Map<string, Error>;
}

/**
 * Reads each partition from offset 0 with the fetch engine until it has `count` records or the
 * engine raised an error for it. Fails (never hangs) after `timeoutMs`.
 */
export async function readWithEngine(
  k: LocalKafka,
  parts: readonly { topic: string; partition: number; count: number }[],
  timeoutMs = 30_000,
): Promise<ReadOutcome> {
  const pool = new BrokerPool({ clientId: 'kafka08-compat', requestTimeoutMs: 15_000 });
  const cluster = new ClusterMetadata({
    seedBrokers: k.brokerList.map((b) => ({ host: b.host, port: b.port })),
    pool,
  });
  const engine = new FetchEngine(cluster, { maxWaitMs: 100, socketTimeoutMs: 15_000 });
  const out: ReadOutcome = { records: new Map(), errors: new Map() };
  const key = (topic: string, partition: number) => `${topic}/${partition}`;
  const done = () =>
    parts.every(
      (p) =>
        out.errors.has(key(p.topic, p.partition)) ||
        (out.records.get(key(p.topic, p.partition))?.length ?? 0) >= p.count,
    );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    engine.assign(parts.map((p) => ({ topic: p.topic, partition: p.partition, offset: 0n })));
    while (!done()) {
      const next = await Promise.race([
        engine.next().then(
          (batch) => ({ batch }),
          (error: unknown) => ({ error }),
        ),
        timedOut,
      ]);
      if (next === 'timeout') {
        const got = parts.map(
          (p) =>
            `${key(p.topic, p.partition)}: ${out.records.get(key(p.topic, p.partition))?.length ?? 0}/${p.count}`,
        );
        throw new Error(`read did not finish within ${timeoutMs} ms (${got.join(', ')})`);
      }
      if ('error' in next) {
        const e = next.error as Error & { topic?: string; partition?: number };
        if (e.topic === undefined || e.partition === undefined) throw e;
        out.errors.set(key(e.topic, e.partition), e);
        continue;
      }
      const { batch } = next;
      const list = out.records.get(key(batch.topic, batch.partition)) ?? [];
      for (const m of batch.messages)
        list.push({
          offset: m.offset,
          key: m.key?.toString('utf8') ?? null,
          value: m.value?.toString('utf8') ?? null,
        });
      out.records.set(key(batch.topic, batch.partition), list);
    }
    return out;
  } finally {
    clearTimeout(timer);
    await engine.close();
    await pool.close();
  }
}
