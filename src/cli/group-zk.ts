import { Kafka08Error } from '../protocol/errors.js';
import { NoNodeError, ZooKeeperClient } from '../zookeeper/index.js';

/** `/consumers/<group>` is missing: no consumer of that group ever registered or committed. */
export class GroupNotFoundError extends Kafka08Error {
  readonly group: string;

  constructor(group: string) {
    super(`consumer group ${group} not found in ZooKeeper (no /consumers/${group})`);
    this.group = group;
  }
}

/** An offset znode whose data is not a decimal int64 (Kafka writes `Long.toString`). */
export class BadOffsetZnodeError extends Kafka08Error {
  readonly path: string;

  constructor(path: string, data: string, topic: string, partition: number) {
    const shown = data.length > 40 ? `${data.slice(0, 40)}...` : data;
    super(`offset znode ${path} holds "${shown}", not a decimal offset`, { topic, partition });
    this.path = path;
  }
}

/** `--zookeeper`, else `$KAFKA08_ZOOKEEPER`, else undefined. */
export function zookeeperConnect(flag: string | undefined): string | undefined {
  if (flag !== undefined && flag.trim() !== '') return flag;
  const env = process.env.KAFKA08_ZOOKEEPER;
  return env !== undefined && env.trim() !== '' ? env : undefined;
}

/** Runs `fn` with a ZooKeeper session and always closes it (so the process can exit). */
export async function withZooKeeper<T>(connect: string, fn: (zk: ZooKeeperClient) => Promise<T>): Promise<T> {
  // A CLI must not sit for the default 30 s when ZooKeeper is down or the address is wrong.
  const zk = await ZooKeeperClient.connect(connect, { connectTimeoutMs: 5000, requestTimeoutMs: 10_000 });
  try {
    return await fn(zk);
  } finally {
    await zk.close();
  }
}

/** Children of a node, none when the node is missing. */
async function childrenOrNone(zk: ZooKeeperClient, path: string): Promise<string[]> {
  try {
    return await zk.getChildren(path);
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
}

/** The groups registered under `/consumers`, sorted. */
export async function listGroups(zk: ZooKeeperClient): Promise<string[]> {
  return (await childrenOrNone(zk, '/consumers')).sort();
}

/**
 * A group's committed offsets as the 0.8 high-level consumer (and OffsetCommit v0) store them:
 * `/consumers/<group>/offsets/<topic>/<partition>` holding the next offset to read in decimal.
 * Returns topic → partition → offset, topics and partitions in ascending order.
 * @throws GroupNotFoundError when `/consumers/<group>` does not exist.
 */
export async function zkCommittedOffsets(
  zk: ZooKeeperClient,
  group: string,
): Promise<Map<string, Map<number, bigint>>> {
  if ((await zk.exists(`/consumers/${group}`)) === null) throw new GroupNotFoundError(group);
  const base = `/consumers/${group}/offsets`;
  const out = new Map<string, Map<number, bigint>>();
  for (const topic of (await childrenOrNone(zk, base)).sort()) {
    const partitions = (await childrenOrNone(zk, `${base}/${topic}`))
      // Kafka only writes partition ids here; anything else is not an offset node.
      .filter((name) => /^\d{1,10}$/.test(name) && Number(name) <= 0x7fffffff)
      .map(Number)
      .sort((a, b) => a - b);
    const offsets = new Map<number, bigint>();
    for (const partition of partitions) {
      const path = `${base}/${topic}/${partition}`;
      const data = await zk.getString(path);
      // Removed between the listing and the read: nothing committed there any more.
      if (data === null) continue;
      const text = data.trim();
      if (!/^\d{1,19}$/.test(text) || BigInt(text) > 0x7fffffffffffffffn) {
        throw new BadOffsetZnodeError(path, data, topic, partition);
      }
      offsets.set(partition, BigInt(text));
    }
    out.set(topic, offsets);
  }
  return out;
}
