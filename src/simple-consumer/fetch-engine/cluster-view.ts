import type { KafkaRequest } from '../../protocol/request.js';
import type { ConnectionPurpose } from '../broker-pool.js';

/** The one thing the engine needs from a broker connection (BrokerConnection satisfies it). */
export interface FetchTransport {
  send<T>(request: KafkaRequest<T>, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<T>;
}

/**
 * What the engine needs from the cluster: who leads a partition, and a connection to a broker.
 * Kept this narrow so the engine is tested against fake brokers with any metadata source, and
 * so the pool and metadata cache stay owned (and closed) by the SimpleConsumer, not the engine.
 */
export interface FetchCluster {
  /**
   * Reloads metadata for these topics from a broker. Rejects when no broker answered; the
   * engine then backs off and retries.
   */
  refresh(topics: readonly string[]): Promise<void>;
  /** Leader broker id per the last refresh; undefined when there is none (election running). */
  leaderId(topic: string, partition: number): number | undefined;
  /** Forget what is known about the partition's leader. */
  invalidate(topic: string, partition: number): void;
  /**
   * The connection to a broker id for Fetch requests, or for the rest (Offsets): kept apart so
   * nothing waits behind a long-polling Fetch. Opened lazily; owned by the caller.
   */
  connection(brokerId: number, purpose: ConnectionPurpose): FetchTransport;
}
