import { FetchEngine } from '../simple-consumer/fetch-engine/engine.js';
import { FetchEngineClosedError } from '../simple-consumer/fetch-engine/errors.js';
import { parseFlags } from './args.js';
import {
  CONSUME_FLAGS,
  CONSUME_HELP,
  type ConsumeOptions,
  consumeCommandOptions,
} from './consume-options.js';
import { commitOffsets, fetchCommitted } from './group-offsets.js';
import { Progress } from './progress.js';
import { RecordOutput } from './record-output.js';
import { type CliSession, withSession } from './session.js';
import { UsageError } from './usage.js';

const COMMIT_INTERVAL_MS = 5000;

export async function consumeCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, CONSUME_FLAGS, CONSUME_HELP);
  if (!flags) return 0;
  const o = consumeCommandOptions(flags);
  return withSession(flags.brokers(), (s) => consume(s, o), { requestTimeoutMs: 30_000 });
}

interface PartitionPlan {
  start: bigint;
  /** High watermark when we started: the end for --exit-at-end. */
  end: bigint;
}

async function plan(s: CliSession, o: ConsumeOptions): Promise<Map<number, PartitionPlan>> {
  const partitions = await s.existingPartitions(o.topic, o.partitions);
  const committed =
    o.group === undefined ? undefined : await fetchCommitted(s, o.group, o.topic, partitions, o.storage);
  const out = new Map<number, PartitionPlan>();
  await Promise.all(
    partitions.map(async (p) => {
      const [earliest, latest] = await Promise.all([s.earliest(o.topic, p), s.latest(o.topic, p)]);
      const fromGroup = committed?.get(p);
      let start: bigint;
      if (fromGroup !== undefined) start = fromGroup;
      else if (o.offset === 'earliest') start = earliest;
      else if (o.offset === 'latest') start = latest;
      else if (typeof o.offset === 'bigint') start = o.offset;
      else start = atLeast(latest - o.offset.beforeEnd, earliest);
      if (fromGroup === undefined && typeof o.offset === 'bigint' && (start < earliest || start > latest)) {
        throw new UsageError(
          `--offset ${start} is outside partition ${p} of ${o.topic} (its log is ${earliest}..${latest})`,
        );
      }
      out.set(p, { start, end: latest });
    }),
  );
  return out;
}

async function consume(s: CliSession, o: ConsumeOptions): Promise<number> {
  const plans = await plan(s, o);
  const next = new Map<number, bigint>();
  const highWatermarks = new Map<number, bigint>();
  const open = new Set<number>();
  for (const [p, pl] of plans) {
    next.set(p, pl.start);
    highWatermarks.set(p, pl.end);
    if (!o.exitAtEnd || pl.start < pl.end) open.add(p);
  }
  let consumed = 0;
  let committedState = new Map(next);
  const commit = async (): Promise<void> => {
    if (!o.commit || o.group === undefined) return;
    const changed = new Map([...next].filter(([p, off]) => committedState.get(p) !== off));
    await commitOffsets(s, o.group, o.topic, changed, o.storage);
    committedState = new Map(next);
  };

  const stop = new AbortController();
  let interrupted: number | undefined;
  const onSignal = (): void => {
    const now = Date.now();
    // A signal a second after the first forces the exit (a stop that hangs); one sooner is the
    // same request again (see below).
    if (interrupted !== undefined && now - interrupted > 1000) process.exit(130);
    interrupted ??= now;
    stop.abort();
  };
  // A closed pipe (`| head`) ends the run quietly; anything else still stops it.
  const onStdoutError = (): void => stop.abort();
  // Kept for the rest of the process (this is the CLI's last command): a repeated signal (a
  // supervisor that signals the process and then its group, as GNU timeout does) asks again for
  // the same stop instead of killing the process before its last commit and summary.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);

  const lag = (): bigint => {
    let sum = 0n;
    for (const [p, hw] of highWatermarks) {
      const n = next.get(p) ?? hw;
      if (hw > n) sum += hw - n;
    }
    return sum;
  };
  const progress = new Progress(
    o.quiet,
    (rate) => `${o.topic}: ${consumed} message(s), ${Math.round(rate)} msg/s, lag ${lag()}`,
    () => consumed,
  );
  const engine = new FetchEngine(s.metadata, {
    signal: stop.signal,
    autoOffsetReset: typeof o.offset === 'bigint' ? 'none' : 'earliest',
    maxWaitMs: 500,
    socketTimeoutMs: 30_000,
    ...o.engine,
  });
  // Otherwise a partition its broker serves nothing of looks like a quiet one, and --exit-at-end
  // waits for ever without a word.
  engine.on('partition-stalled', (e) =>
    progress.warn(
      `kafka08: ${e.topic}/${e.partition} offset ${e.offset}: the broker serves no records there though its high watermark is ${e.highWatermark} (on a 0.8 broker, an entry claiming a later offset: a damaged log); still asking`,
    ),
  );
  const commitTimer = o.commit
    ? setInterval(() => void commit().catch(() => {}), COMMIT_INTERVAL_MS)
    : undefined;
  const output = new RecordOutput(process.stdout, o.format, o.keyEncoding, o.valueEncoding, stop.signal);

  try {
    const done = (): boolean =>
      (o.count !== undefined && consumed >= o.count) || (o.exitAtEnd && open.size === 0);
    if (!done())
      engine.assign(
        [...open].map((partition) => ({ topic: o.topic, partition, offset: next.get(partition)! })),
      );
    while (!done()) {
      let batch: Awaited<ReturnType<FetchEngine['next']>>;
      try {
        batch = await engine.next();
      } catch (err) {
        if (err instanceof FetchEngineClosedError && stop.signal.aborted) break;
        throw err;
      }
      const p = batch.partition;
      const end = plans.get(p)?.end ?? 0n;
      let position = next.get(p) ?? batch.fetchOffset;
      let taken = 0;
      for (const m of batch.messages) {
        if (o.exitAtEnd && m.offset >= end) break;
        if (o.count !== undefined && consumed >= o.count) break;
        if (stop.signal.aborted) break;
        await output.record(batch.topic, p, m.offset, m.key, m.value);
        consumed++;
        taken++;
        position = m.offset + 1n;
      }
      // The whole batch was taken: resume where the engine will (past any gap after it).
      if (taken === batch.messages.length) position = batch.nextOffset;
      next.set(p, position);
      if (batch.highWatermark > (highWatermarks.get(p) ?? 0n)) highWatermarks.set(p, batch.highWatermark);
      await output.flush();
      if (o.exitAtEnd && position >= end && open.delete(p))
        engine.unassign([{ topic: o.topic, partition: p }]);
    }
    await commit();
  } finally {
    if (commitTimer !== undefined) clearInterval(commitTimer);
    process.stdout.off('error', onStdoutError);
    progress.stop();
    await engine.close();
  }
  if (!o.quiet && process.stderr.isTTY === true) {
    process.stderr.write(`consumed ${consumed} message(s) from ${o.topic} in ${progress.elapsedMs} ms\n`);
  }
  if (o.summary) process.stderr.write(summary(o.group, o.topic, next, highWatermarks));
  return interrupted !== undefined ? 130 : 0;
}

/** Where each partition stands after the run, and how far behind the end it is. */
function summary(
  group: string | undefined,
  topic: string,
  positions: ReadonlyMap<number, bigint>,
  ends: ReadonlyMap<number, bigint>,
): string {
  const lines = [group === undefined ? `topic ${topic}:` : `group ${group}, topic ${topic}:`];
  for (const p of [...positions.keys()].sort((a, b) => a - b)) {
    const at = positions.get(p)!;
    const end = ends.get(p) ?? at;
    lines.push(`  partition ${p}  position ${at}  end ${end}  lag ${end > at ? end - at : 0n}`);
  }
  return `${lines.join('\n')}\n`;
}

/** max() for bigints. */
function atLeast(value: bigint, floor: bigint): bigint {
  return value < floor ? floor : value;
}
