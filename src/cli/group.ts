import { COMMON_HELP, type Flags, parseFlags } from './args.js';
import { fetchCommitted, type OffsetStorage } from './group-offsets.js';
import { listGroups, withZooKeeper, zkCommittedOffsets, zookeeperConnect } from './group-zk.js';
import { type CliSession, withSession } from './session.js';
import { UsageError } from './usage.js';

const HELP = `usage: kafka08 group --group G [--topic T ...] [--partition P ...]
                     [--storage zookeeper|kafka] [--zookeeper host:port[/chroot]] [--json]
       kafka08 group --list --zookeeper host:port[/chroot] [--json]
  A consumer group's committed offset per partition, the high watermark, and the lag between
  them (null when nothing is committed).
  --storage    zookeeper (default): offsets the 0.8 high-level consumer and SimpleConsumer commit
               with OffsetCommit v0; kafka: offsets kept by the 0.8.2 coordinator (v1).
  --zookeeper  (or $KAFKA08_ZOOKEEPER) without --topic, with --storage zookeeper: the group's
               topics and partitions are those under /consumers/G/offsets, and the committed
               offsets are read from those znodes. Without it, --topic is required.
  --list       the groups under /consumers (needs --zookeeper).
${COMMON_HELP}`;

export interface GroupRow {
  group: string;
  topic: string;
  partition: number;
  committed: string | null;
  /** null when the topic is in the group's znodes but no longer on the brokers. */
  latest: string | null;
  lag: string | null;
}

function row(
  group: string,
  topic: string,
  partition: number,
  c: bigint | undefined,
  hw: bigint | undefined,
): GroupRow {
  return {
    group,
    topic,
    partition,
    committed: c === undefined ? null : c.toString(),
    latest: hw === undefined ? null : hw.toString(),
    lag: c === undefined || hw === undefined ? null : (hw > c ? hw - c : 0n).toString(),
  };
}

export async function groupCommand(args: string[]): Promise<number> {
  const flags = parseFlags(
    args,
    { group: { type: 'string' }, storage: { type: 'string' }, list: { type: 'boolean' } },
    HELP,
  );
  if (!flags) return 0;
  const zookeeper = zookeeperConnect(flags.string('zookeeper'));
  if (flags.bool('list')) return listCommand(flags, zookeeper);
  const group = flags.string('group');
  if (group === undefined || group === '') throw new UsageError('--group is required');
  const topics = flags.list('topic');
  const wanted = flags.partitions();
  const storage = flags.choice('storage', ['zookeeper', 'kafka'], 'zookeeper');
  let rows: GroupRow[];
  if (topics.length > 0) {
    rows = await withSession(flags.brokers(), (s) => namedTopics(s, group, topics, wanted, storage));
  } else {
    if (zookeeper === undefined) {
      throw new UsageError(
        '--topic is required without --zookeeper (with --zookeeper host:port the group\u2019s topics are listed from ZooKeeper)',
      );
    }
    if (storage !== 'zookeeper') {
      throw new UsageError('--storage kafka needs --topic (ZooKeeper only knows ZooKeeper-stored offsets)');
    }
    if (group.includes('/')) throw new UsageError(`--group "${group}" cannot contain "/"`);
    const committed = await withZooKeeper(zookeeper, (zk) => zkCommittedOffsets(zk, group));
    rows = await withSession(flags.brokers(), (s) => zkTopics(s, group, committed, wanted));
  }
  if (flags.bool('json')) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    if (!flags.bool('quiet')) process.stderr.write(`group ${group} has no committed offsets\n`);
    return 0;
  }
  const lines = rows.map(
    (r) =>
      `${r.group}  ${r.topic}  ${r.partition}  committed ${r.committed ?? '-'}  latest ${r.latest ?? '-'}  lag ${r.lag ?? '-'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

async function listCommand(flags: Flags, zookeeper: string | undefined): Promise<number> {
  if (zookeeper === undefined)
    throw new UsageError('--list needs --zookeeper host:port (or $KAFKA08_ZOOKEEPER)');
  const groups = await withZooKeeper(zookeeper, listGroups);
  if (flags.bool('json')) process.stdout.write(`${JSON.stringify(groups)}\n`);
  else if (groups.length > 0) process.stdout.write(`${groups.join('\n')}\n`);
  return 0;
}

/** The given topics: committed offsets through OffsetFetch, from any broker or the coordinator. */
async function namedTopics(
  s: CliSession,
  group: string,
  topics: readonly string[],
  wanted: readonly number[],
  storage: OffsetStorage,
): Promise<GroupRow[]> {
  const out: GroupRow[] = [];
  for (const topic of topics) {
    const partitions = await s.existingPartitions(topic, wanted);
    const [committed, latest] = await Promise.all([
      fetchCommitted(s, group, topic, partitions, storage),
      Promise.all(partitions.map((p) => s.latest(topic, p))),
    ]);
    partitions.forEach((partition, i) => {
      out.push(row(group, topic, partition, committed.get(partition), latest[i]));
    });
  }
  return out;
}

/**
 * The topics the group committed to in ZooKeeper. Every partition the brokers know is shown (an
 * uncommitted one with committed null), plus any committed partition the brokers no longer have.
 */
async function zkTopics(
  s: CliSession,
  group: string,
  committed: ReadonlyMap<string, ReadonlyMap<number, bigint>>,
  wanted: readonly number[],
): Promise<GroupRow[]> {
  const meta = await s.allMetadata();
  const out: GroupRow[] = [];
  for (const [topic, offsets] of committed) {
    const known = meta.topics.find((t) => t.topic === topic)?.partitions.map((p) => p.partition) ?? [];
    const partitions = [...new Set([...known, ...offsets.keys()])]
      .filter((p) => wanted.length === 0 || wanted.includes(p))
      .sort((a, b) => a - b);
    const latest = await Promise.all(
      partitions.map((p) => (known.includes(p) ? s.latest(topic, p) : Promise.resolve(undefined))),
    );
    partitions.forEach((partition, i) => {
      out.push(row(group, topic, partition, offsets.get(partition), latest[i]));
    });
  }
  return out;
}
