import { errorCodeInfo } from '../protocol/error-codes.js';
import { UnknownTopicError } from '../simple-consumer/errors.js';
import { COMMON_HELP, parseFlags } from './args.js';
import { withSession } from './session.js';

const HELP = `usage: kafka08 metadata [--topic T ...] [--json]
  Brokers, and each topic's partitions with leader, replicas and in-sync replicas; a partition
  with fewer in-sync replicas than replicas is marked UNDER-REPLICATED.
  Without --topic every topic is listed; a named topic must exist (it is never auto-created).
${COMMON_HELP}`;

export async function metadataCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, {}, HELP);
  if (!flags) return 0;
  const wanted = flags.list('topic');
  const resp = await withSession(flags.brokers(), (s) => s.allMetadata());
  for (const t of wanted) {
    if (!resp.topics.some((x) => x.topic === t)) throw new UnknownTopicError(t);
  }
  const topics = resp.topics
    .filter((t) => wanted.length === 0 || wanted.includes(t.topic))
    .sort((a, b) => a.topic.localeCompare(b.topic))
    .map((t) => ({
      topic: t.topic,
      errorCode: t.errorCode,
      partitions: [...t.partitions]
        .sort((a, b) => a.partition - b.partition)
        .map((p) => ({
          partition: p.partition,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
          // Fewer in-sync replicas than replicas: one more broker loss may lose data or the partition.
          underReplicated: p.isr.length < p.replicas.length,
          errorCode: p.errorCode,
        })),
    }));
  const brokers = [...resp.brokers].sort((a, b) => a.nodeId - b.nodeId);
  if (flags.bool('json')) {
    process.stdout.write(`${JSON.stringify({ brokers, topics })}\n`);
    return 0;
  }
  const out: string[] = [`brokers (${brokers.length}):`];
  for (const b of brokers) out.push(`  ${b.nodeId}  ${b.host}:${b.port}`);
  out.push(`topics (${topics.length}):`);
  for (const t of topics) {
    const err = t.errorCode === 0 ? '' : `  error ${errorCodeInfo(t.errorCode).name}`;
    out.push(`  ${t.topic}  ${t.partitions.length} partition(s)${err}`);
    for (const p of t.partitions) {
      const perr =
        (p.underReplicated ? '  UNDER-REPLICATED' : '') +
        (p.errorCode === 0 ? '' : `  error ${errorCodeInfo(p.errorCode).name}`);
      out.push(
        `    ${p.partition}  leader ${p.leader}  replicas [${p.replicas.join(',')}]  isr [${p.isr.join(',')}]${perr}`,
      );
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
