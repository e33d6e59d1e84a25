import type { BrokerPool } from '../../simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../../simple-consumer/cluster-metadata.js';
import type { BrokerAddress } from '../../simple-consumer/errors.js';
import { FetchEngine } from '../../simple-consumer/fetch-engine/index.js';
import { parseSeedBrokers } from '../../simple-consumer/seed-brokers.js';
import { type ConsumerConfig, fetchEngineOptions } from '../config.js';

/**
 * The cluster view and fetch engine of a group member, made once brokers are known: seeded with
 * `bootstrap.servers` (if given) and the brokers registered in ZooKeeper, as Kafka's consumer
 * takes them from `/brokers/ids`. Starts with no partition; rebalances assign and unassign.
 */
export function createGroupEngine(
  c: ConsumerConfig,
  pool: BrokerPool,
  brokers: readonly BrokerAddress[],
): { cluster: ClusterMetadata; engine: FetchEngine } {
  const seeds = [...(c.bootstrapServers === '' ? [] : parseSeedBrokers(c.bootstrapServers)), ...brokers];
  const cluster = new ClusterMetadata({
    seedBrokers: seeds,
    pool,
    refreshBackoffMs: c.refreshLeaderBackoffMs,
  });
  const engine = new FetchEngine(cluster, fetchEngineOptions(c));
  return { cluster, engine };
}
