import { COMMON_HELP, parseFlags } from './args.js';
import { fetchCommitted } from './group-offsets.js';
import { withSession } from './session.js';
import { UsageError } from './usage.js';

const HELP = `usage: kafka08 group --group G --topic T [--topic T2 ...] [--partition P ...]
                     [--storage zookeeper|kafka] [--json]
  A consumer group's committed offset per partition, the high watermark, and the lag between
  them (null when nothing is committed).
  --storage  zookeeper (default): offsets the 0.8 high-level consumer and SimpleConsumer commit
             with OffsetCommit v0; kafka: offsets kept by the 0.8.2 coordinator (v1).
  --topic is required: listing a group's topics needs a ZooKeeper client, which kafka08 does not
  have yet (--zookeeper is accepted for when it does).
${COMMON_HELP}`;

export interface GroupRow {
  group: string;
  topic: string;
  partition: number;
  committed: string | null;
  latest: string;
  lag: string | null;
}

export async function groupCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, { group: { type: 'string' }, storage: { type: 'string' } }, HELP);
  if (!flags) return 0;
  const group = flags.string('group');
  if (group === undefined || group === '') throw new UsageError('--group is required');
  const topics = flags.list('topic');
  if (topics.length === 0) {
    throw new UsageError(
      '--topic is required (listing a group\u2019s topics needs ZooKeeper, not supported yet)',
    );
  }
  const wanted = flags.partitions();
  const storage = flags.choice('storage', ['zookeeper', 'kafka'], 'zookeeper');
  const rows = await withSession(flags.brokers(), async (s) => {
    const out: GroupRow[] = [];
    for (const topic of topics) {
      const partitions = await s.existingPartitions(topic, wanted);
      const [committed, latest] = await Promise.all([
        fetchCommitted(s, group, topic, partitions, storage),
        Promise.all(partitions.map((p) => s.latest(topic, p))),
      ]);
      partitions.forEach((partition, i) => {
        const c = committed.get(partition);
        const hw = latest[i]!;
        out.push({
          group,
          topic,
          partition,
          committed: c === undefined ? null : c.toString(),
          latest: hw.toString(),
          lag: c === undefined ? null : (hw > c ? hw - c : 0n).toString(),
        });
      });
    }
    return out;
  });
  if (flags.bool('json')) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  const lines = rows.map(
    (r) =>
      `${r.group}  ${r.topic}  ${r.partition}  committed ${r.committed ?? '-'}  latest ${r.latest}  lag ${r.lag ?? '-'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
