/** Shared by the fetch-engine integration tests: an engine over a real cluster, and a reader. */
import type { LocalKafka } from '../../src/rig/index.js';
import { BrokerPool } from '../../src/simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../../src/simple-consumer/cluster-metadata.js';
import {
  type FetchBatch,
  FetchEngine,
  type FetchEngineInit,
} from '../../src/simple-consumer/fetch-engine/index.js';

export interface EngineHandle {
  engine: FetchEngine;
  pool: BrokerPool;
  close(): Promise<void>;
}

export function engineFor(k: LocalKafka, init: FetchEngineInit = {}, requestTimeoutMs = 5000): EngineHandle {
  const pool = new BrokerPool({
    clientId: 'fetch-engine-it',
    requestTimeoutMs,
    connectTimeoutMs: 2000,
    backoff: { baseMs: 50, maxMs: 1000 },
  });
  const metadata = new ClusterMetadata({ seedBrokers: k.brokers, pool });
  const engine = new FetchEngine(metadata, { socketTimeoutMs: requestTimeoutMs, ...init });
  return {
    engine,
    pool,
    close: async () => {
      await engine.close();
      await pool.close();
    },
  };
}

/** Pulls batches until `done(all)` holds; fails with what it has after `ms`, never hangs. */
export async function pullUntil(
  engine: FetchEngine,
  done: (batches: FetchBatch[]) => boolean,
  ms: number,
  into: FetchBatch[] = [],
): Promise<FetchBatch[]> {
  const deadline = Date.now() + ms;
  while (!done(into)) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const b = await Promise.race([
      engine.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`gave up after ${ms} ms with ${count(into)} messages`)),
          Math.max(0, left),
        );
      }),
    ]).finally(() => clearTimeout(timer));
    into.push(b);
  }
  return into;
}

export function count(batches: FetchBatch[]): number {
  return batches.reduce((n, b) => n + b.messages.length, 0);
}

export function valuesOf(batches: FetchBatch[], partition?: number): string[] {
  return batches
    .filter((b) => partition === undefined || b.partition === partition)
    .flatMap((b) => b.messages.map((m) => m.value?.toString() ?? '<null>'));
}
