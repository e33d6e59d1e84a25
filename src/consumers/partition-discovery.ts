import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import type { ClusterMetadata } from '../simple-consumer/cluster-metadata.js';
import {
  ConnectionClosedError,
  UnknownTopicError,
  UnsupportedBrokerError,
} from '../simple-consumer/errors.js';
import type { TopicPartition } from '../simple-consumer/fetch-engine/index.js';
import { NoPartitionsError } from './errors.js';

/**
 * Every partition of the topics, sorted. `passes` attempts over all brokers (Flink's
 * `flink.get-partitions.retry`), a short wait between them. An unknown or invalid topic fails at
 * once, as in Flink, and is never created by asking; no reachable broker or no partition at all fails with NoPartitionsError
 * (Flink 0.9.1 silently produced an idle source instead, FLINK-3061).
 */
export async function discoverPartitions(
  cluster: ClusterMetadata,
  topics: readonly string[],
  passes: number,
  signal: AbortSignal,
): Promise<TopicPartition[]> {
  let lastError: unknown;
  for (let pass = 0; pass < passes; pass++) {
    if (pass > 0) await sleep(Math.min(2000, 200 * 2 ** pass), undefined, { signal });
    try {
      // Every topic, never one by name: naming a topic that does not exist makes a broker with
      // auto.create.topics.enable (0.8's default) create it, a side effect of merely reading.
      await cluster.refresh([]);
      const out: TopicPartition[] = [];
      for (const topic of [...new Set(topics)].sort()) {
        if (!cluster.hasTopic(topic)) throw new UnknownTopicError(topic);
        for (const partition of await cluster.partitionsFor(topic)) out.push({ topic, partition });
      }
      if (out.length === 0) throw new NoPartitionsError(topics);
      return out;
    } catch (err) {
      if (signal.aborted || err instanceof ConnectionClosedError) throw err;
      if (err instanceof UnknownTopicError || err instanceof UnsupportedBrokerError) throw err;
      if (err instanceof KafkaProtocolError && err.code === ErrorCode.INVALID_TOPIC) throw err;
      lastError = err;
    }
  }
  throw lastError instanceof NoPartitionsError ? lastError : new NoPartitionsError(topics, lastError);
}
