import { COMMON_HELP, parseFlags } from './args.js';
import { withSession } from './session.js';
import { UsageError } from './usage.js';

const HELP = `usage: kafka08 offsets --topic T [--partition P ...] [--time MS|ISO-8601] [--json]
  Per partition: the earliest offset (log start), the latest (high watermark), and with --time
  the offset of the newest log segment that starts at or before that time (Kafka 0.8 answers
  by segment, so it is coarse; null when every segment is newer).
${COMMON_HELP}`;

export interface PartitionOffsets {
  topic: string;
  partition: number;
  earliest: string;
  latest: string;
  /** Only with --time. */
  beforeTime?: string | null;
}

/** `--time`: epoch milliseconds, or a date Date.parse understands. */
export function parseTime(text: string): bigint {
  if (/^\d+$/.test(text)) return BigInt(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new UsageError(`--time wants epoch milliseconds or an ISO-8601 date, got "${text}"`);
  return BigInt(ms);
}

export async function offsetsCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, { time: { type: 'string' } }, HELP);
  if (!flags) return 0;
  const topic = flags.topic();
  const wanted = flags.partitions();
  const timeText = flags.string('time');
  const time = timeText === undefined ? undefined : parseTime(timeText);
  const rows = await withSession(flags.brokers(), async (s) => {
    const partitions = await s.existingPartitions(topic, wanted);
    return Promise.all(
      partitions.map(async (partition): Promise<PartitionOffsets> => {
        const [earliest, latest, before] = await Promise.all([
          s.earliest(topic, partition),
          s.latest(topic, partition),
          time === undefined ? Promise.resolve(undefined) : s.offsetsBefore(topic, partition, time, 1),
        ]);
        const row: PartitionOffsets = {
          topic,
          partition,
          earliest: earliest.toString(),
          latest: latest.toString(),
        };
        if (before !== undefined) row.beforeTime = before[0]?.toString() ?? null;
        return row;
      }),
    );
  });
  if (flags.bool('json')) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  const lines = rows.map(
    (r) =>
      `${r.topic}  ${r.partition}  earliest ${r.earliest}  latest ${r.latest}` +
      (r.beforeTime === undefined ? '' : `  before-time ${r.beforeTime ?? '-'}`),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
