import type { BrokerAddress } from '../../simple-consumer/errors.js';
import type { TopicPartition } from '../../simple-consumer/fetch-engine/index.js';
import { NoNodeError } from '../../zookeeper/errors.js';
import type { WatchCallback } from '../../zookeeper/watches.js';
import { partitionKey } from '../checkpoint-state.js';
import { groupPaths, parseRegistration } from './registration.js';

/**
 * The ZooKeeper operations a group member needs; ZooKeeperClient has them all. Narrow so the
 * rebalance logic can run against an in-memory ZooKeeper in unit tests.
 */
export interface GroupZooKeeper {
  getChildren(path: string, watch?: WatchCallback): Promise<string[]>;
  getData(path: string, watch?: WatchCallback): Promise<{ data: Buffer }>;
  exists(path: string, watch?: WatchCallback): Promise<unknown>;
  delete(path: string): Promise<void>;
  createEphemeralExpectConflict(path: string, data: string): Promise<void>;
  updatePersistentPath(path: string, data: string): Promise<void>;
}

async function dataOrNull(zk: GroupZooKeeper, path: string, watch?: WatchCallback): Promise<string | null> {
  try {
    return (await zk.getData(path, watch)).data.toString('utf8');
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

/** Members of the group and their subscriptions (over `topics`); watches the ids children. */
export async function readMembers(
  zk: GroupZooKeeper,
  group: string,
  topics: readonly string[],
  watch: WatchCallback,
): Promise<Map<string, Map<string, number>>> {
  let ids: string[];
  try {
    ids = await zk.getChildren(groupPaths.ids(group), watch);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
    await zk.exists(groupPaths.ids(group), watch);
    ids = [];
  }
  const out = new Map<string, Map<string, number>>();
  for (const id of ids.sort()) {
    const data = await dataOrNull(zk, groupPaths.id(group, id));
    // Gone since the listing: it left, and its deletion fires the children watch again.
    if (data !== null) out.set(id, parseRegistration(data, topics));
  }
  return out;
}

/**
 * Partition ids of a topic: the keys of `/brokers/topics/<t>`'s `partitions` object. Watches the
 * node's data (partitions added), or its creation when it does not exist yet.
 */
export async function readTopicPartitions(
  zk: GroupZooKeeper,
  topic: string,
  watch: WatchCallback,
): Promise<number[]> {
  const path = groupPaths.topic(topic);
  const data = await dataOrNull(zk, path, watch);
  if (data === null) {
    // Created in between: exists() then sets a data watch, which fires on later changes.
    await zk.exists(path, watch);
    return [];
  }
  try {
    const json = JSON.parse(data) as { partitions?: unknown };
    if (typeof json.partitions !== 'object' || json.partitions === null) return [];
    return Object.keys(json.partitions)
      .filter((k) => /^\d{1,9}$/.test(k))
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** Addresses of the live brokers from `/brokers/ids/<id>` (v1 host/port, or a PLAINTEXT endpoint). */
export async function readBrokers(zk: GroupZooKeeper, watch?: WatchCallback): Promise<BrokerAddress[]> {
  let ids: string[];
  try {
    ids = await zk.getChildren(groupPaths.brokerIds, watch);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
    if (watch !== undefined) await zk.exists(groupPaths.brokerIds, watch);
    return [];
  }
  const out: BrokerAddress[] = [];
  for (const id of ids.sort((a, b) => Number(a) - Number(b))) {
    const data = await dataOrNull(zk, `${groupPaths.brokerIds}/${id}`);
    const addr = data === null ? undefined : parseBrokerAddress(data);
    if (addr !== undefined) out.push(addr);
  }
  return out;
}

export function parseBrokerAddress(data: string): BrokerAddress | undefined {
  try {
    const j = JSON.parse(data) as { host?: unknown; port?: unknown; endpoints?: unknown };
    if (Array.isArray(j.endpoints)) {
      for (const e of j.endpoints) {
        const m = typeof e === 'string' ? /^PLAINTEXT:\/\/\[?([^\]]*?)\]?:(\d{1,5})$/.exec(e) : null;
        if (m?.[1] && Number(m[2]) > 0 && Number(m[2]) < 65536) return { host: m[1], port: Number(m[2]) };
      }
    }
    if (typeof j.host === 'string' && j.host !== '' && Number.isInteger(j.port)) {
      const port = j.port as number;
      if (port > 0 && port < 65536) return { host: j.host, port };
    }
  } catch {
    // not JSON: not a broker we can use
  }
  return undefined;
}

/**
 * Committed next offsets (Kafka's convention) from `/consumers/<g>/offsets/<t>/<p>`, read
 * directly. Missing, negative or unparsable values are absent (auto.offset.reset decides).
 */
export async function readOffsets(
  zk: GroupZooKeeper,
  group: string,
  partitions: readonly TopicPartition[],
): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  const values = await Promise.all(
    partitions.map((tp) => dataOrNull(zk, groupPaths.offset(group, tp.topic, tp.partition))),
  );
  partitions.forEach((tp, i) => {
    const v = values[i]?.trim();
    if (v !== undefined && /^\d{1,19}$/.test(v)) {
      const n = BigInt(v);
      if (n <= 0x7fffffffffffffffn) out.set(partitionKey(tp.topic, tp.partition), n);
    }
  });
  return out;
}
