import { FlinkKafkaConsumer082 } from '../consumers/flink-kafka-consumer-082.js';
import { JsonSchema } from '../consumers/schemas.js';
import { type LocalKafka, startLocalKafka } from '../rig/index.js';
import { parseFlags } from './args.js';
import { produceWithKafka08, produceWithRig } from './demo-data.js';
import { fetchCommitted } from './group-offsets.js';
import { Progress } from './progress.js';
import { withSession } from './session.js';

const HELP = `usage: kafka08 demo [--messages N] [--partitions P] [--checkpoint-every N] [--json] [--quiet]

Starts an embedded Kafka 0.8.2.2 (or uses $KAFKA08_BROKERS, with $KAFKA08_ZOOKEEPER), produces a data
set, reads it with FlinkKafkaConsumer082 while taking checkpoints, crashes the consumer on purpose
halfway, restores it from the last completed checkpoint, and checks that every message was counted
exactly once and that ZooKeeper holds the offsets Kafka's own consumer would resume from.

  --messages N          messages to produce (default 200000)
  --partitions P        partitions of the embedded topic (default 4)
  --checkpoint-every N  records between checkpoints (default 20000)
  --json                print the report as one JSON object
  --quiet               no progress on stderr`;

/** What the demo's "sink" keeps: a bitmap of sequence numbers seen, restored with each checkpoint. */
interface Tally {
  seen: Uint8Array;
  count: number;
  duplicates: number;
}

interface Checkpoint {
  id: number;
  /** Serialized like a durable store would: the consumer's offsets and the sink's state together. */
  json: string;
}

interface Report {
  brokers: string;
  embedded: boolean;
  topic: string;
  partitions: number;
  produced: number;
  producer: string;
  consumed: number;
  replayedAfterFailure: number;
  consumeSeconds: number;
  msgsPerSec: number;
  /**
   * The consumer's own rate: records from its first batch to the simulated crash, over that
   * time, so neither start-up nor the restart counts.
   */
  steadyMsgsPerSec: number;
  steadyRecords: number;
  checkpointsCompleted: number;
  restoredFromCheckpoint: number | null;
  missing: number;
  duplicates: number;
  zookeeperOffsetsMatch: boolean;
  exactlyOnce: boolean;
}

const IDLE_LIMIT_MS = 20_000;

export async function demoCommand(args: string[]): Promise<number> {
  const flags = parseFlags(
    args,
    {
      messages: { type: 'string' },
      partitions: { type: 'string' },
      'checkpoint-every': { type: 'string' },
    },
    HELP,
  );
  if (flags === undefined) return 0;
  const messages = flags.int('messages', 200_000, 50_000_000);
  const quiet = flags.bool('quiet');
  const log = (line: string): void => {
    if (!quiet) process.stderr.write(`${line}\n`);
  };

  const external = process.env.KAFKA08_BROKERS?.trim();
  let kafka: LocalKafka | undefined;
  try {
    let brokers: string;
    let zookeeper: string;
    let topic: string;
    let partitions: number;
    let producer: string;
    let sent = 0;
    const producing = new Progress(
      quiet,
      () => `producing ${sent}/${messages}`,
      () => sent,
    );
    if (external) {
      brokers = external;
      // The consumer commits through OffsetCommit v0, which the broker writes to its own ZooKeeper.
      zookeeper = process.env.KAFKA08_ZOOKEEPER?.trim() || '127.0.0.1:2181';
      topic = `kafka08-demo-${Date.now().toString(36)}`;
      log(
        `using the cluster at ${brokers}; producing ${messages} messages to ${topic} with kafka08's producer`,
      );
      partitions = await produceWithKafka08(brokers, topic, messages, (n) => {
        sent = n;
      });
      producer = 'kafka08 Produce v0, snappy, acks 1';
    } else {
      partitions = flags.int('partitions', 4, 64) || 1;
      topic = 'kafka08-demo';
      log('starting an embedded Kafka 0.8.2.2 (the first run fetches it from Maven Central)...');
      kafka = await startLocalKafka({ topics: [{ name: topic, partitions }] });
      brokers = kafka.brokers;
      zookeeper = kafka.zookeeper;
      log(`broker at ${brokers}; producing ${messages} messages with Kafka's own JVM producer`);
      await produceWithRig(kafka, topic, messages, partitions, (n) => {
        sent = n;
      });
      producer = "Kafka's JVM producer, snappy";
    }
    producing.stop();

    const checkpointEvery = flags.int('checkpoint-every', 20_000) || 1;
    const run = await consumeWithCheckpoints({ brokers, zookeeper, topic, messages, checkpointEvery, quiet });
    const zkOk = await committedOffsetsMatch(kafka, brokers, run.group, topic, partitions, messages);
    const report: Report = {
      brokers,
      embedded: kafka !== undefined,
      topic,
      partitions,
      produced: messages,
      producer,
      consumed: run.tally.count,
      replayedAfterFailure: run.replayed,
      consumeSeconds: run.seconds,
      msgsPerSec: Math.round((run.tally.count + run.replayed) / run.seconds),
      steadyMsgsPerSec: run.steady.seconds > 0 ? Math.round(run.steady.records / run.steady.seconds) : 0,
      steadyRecords: run.steady.records,
      checkpointsCompleted: run.checkpoints,
      restoredFromCheckpoint: run.restoredFrom,
      missing: messages - run.tally.count,
      duplicates: run.tally.duplicates,
      zookeeperOffsetsMatch: zkOk,
      exactlyOnce: run.tally.count === messages && run.tally.duplicates === 0,
    };
    printReport(report, flags.bool('json'));
    return report.exactlyOnce && zkOk ? 0 : 1;
  } finally {
    await kafka?.stop();
  }
}

interface RunInput {
  brokers: string;
  zookeeper: string;
  topic: string;
  messages: number;
  checkpointEvery: number;
  quiet: boolean;
}

async function consumeWithCheckpoints(input: RunInput) {
  const group = `kafka08-demo-${Date.now().toString(36)}`;
  const make = () =>
    new FlinkKafkaConsumer082(input.topic, new JsonSchema<{ seq: number }>(), {
      'bootstrap.servers': input.brokers,
      'zookeeper.connect': input.zookeeper,
      'group.id': group,
      startFrom: 'earliest',
      checkpointing: true,
    });
  const tally: Tally = { seen: new Uint8Array(input.messages), count: 0, duplicates: 0 };
  let consumer = make();
  let lastCompleted: Checkpoint | undefined;
  let nextId = 1;
  let checkpoints = 0;
  let sinceCheckpoint = 0;
  let replayed = 0;
  let restoredFrom: number | null = null;
  const progress = new Progress(
    input.quiet,
    (rate) =>
      `consumed ${tally.count}/${input.messages}  ${Math.round(rate)} msg/s  checkpoints ${checkpoints}`,
    () => tally.count + replayed,
  );
  const started = performance.now();
  // From the first batch's arrival to the crash: the steady part of the run.
  const steady = { from: 0, records: 0, seconds: 0 };
  try {
    while (tally.count < input.messages) {
      const batch = await nextBatchWithin(consumer, IDLE_LIMIT_MS);
      if (batch === undefined) break; // idle: whatever is missing is reported
      if (steady.from === 0) steady.from = performance.now();
      else if (restoredFrom === null) steady.records += batch.records.length;
      for (const record of batch.records) {
        const seq = record.seq;
        if (tally.seen[seq] === 1) tally.duplicates++;
        else {
          tally.seen[seq] = 1;
          tally.count++;
        }
      }
      if (restoredFrom === null && lastCompleted !== undefined && tally.count >= input.messages / 2) {
        // A simulated crash between two checkpoints: everything after the last completed one is
        // lost, in the consumer and in the sink alike, and a fresh consumer resumes from it.
        steady.seconds = (performance.now() - steady.from) / 1000;
        await consumer.close();
        const saved = JSON.parse(lastCompleted.json) as {
          consumer: unknown;
          seen: string;
          count: number;
          duplicates: number;
        };
        replayed += tally.count - saved.count;
        tally.seen.set(Buffer.from(saved.seen, 'base64'));
        tally.count = saved.count;
        tally.duplicates = saved.duplicates;
        restoredFrom = lastCompleted.id;
        consumer = make();
        consumer.restoreState(saved.consumer as Parameters<typeof consumer.restoreState>[0]);
        sinceCheckpoint = 0;
        continue;
      }
      sinceCheckpoint += batch.records.length;
      if (sinceCheckpoint >= input.checkpointEvery || tally.count === input.messages) {
        const id = nextId++;
        // Snapshot the consumer and the sink in the same synchronous step, as Flink's checkpoint lock does.
        const json = JSON.stringify({
          consumer: consumer.snapshotState(id),
          seen: Buffer.from(tally.seen).toString('base64'),
          count: tally.count,
          duplicates: tally.duplicates,
        });
        await consumer.notifyCheckpointComplete(id);
        lastCompleted = { id, json };
        checkpoints++;
        sinceCheckpoint = 0;
      }
    }
  } finally {
    progress.stop();
    await consumer.close();
  }
  if (steady.seconds === 0 && steady.from > 0) steady.seconds = (performance.now() - steady.from) / 1000;
  return {
    group,
    tally,
    replayed,
    checkpoints,
    restoredFrom,
    steady,
    seconds: (performance.now() - started) / 1000,
  };
}

async function nextBatchWithin(consumer: FlinkKafkaConsumer082<{ seq: number }>, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([consumer.nextBatch(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The committed offsets are what Kafka's own consumer would resume from: with the embedded
 * broker they are read straight from ZooKeeper by Kafka's ZkClient, otherwise through
 * OffsetFetch v0 (which the broker answers from ZooKeeper).
 */
async function committedOffsetsMatch(
  kafka: LocalKafka | undefined,
  brokers: string,
  group: string,
  topic: string,
  partitions: number,
  messages: number,
): Promise<boolean> {
  const expected = (p: number) => BigInt(Math.floor((messages - p + partitions - 1) / partitions));
  if (kafka !== undefined) {
    for (let p = 0; p < partitions; p++) {
      const value = await kafka.zkGet(`/consumers/${group}/offsets/${topic}/${p}`);
      if (value === null || BigInt(value) !== expected(p)) return false;
    }
    return true;
  }
  const committed = await withSession(brokers, (s) =>
    fetchCommitted(
      s,
      group,
      topic,
      Array.from({ length: partitions }, (_, p) => p),
      'zookeeper',
    ),
  );
  return [...committed].every(([p, offset]) => offset === expected(p)) && committed.size === partitions;
}

function printReport(r: Report, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const ok = (b: boolean) => (b ? 'OK' : 'FAILED');
  process.stdout.write(
    [
      `kafka08 demo: FlinkKafkaConsumer082 on ${r.embedded ? 'an embedded Kafka 0.8.2.2' : 'your cluster'} at ${r.brokers}`,
      `  produced      ${r.produced} messages to ${r.topic} (${r.partitions} partition${r.partitions === 1 ? '' : 's'}) with ${r.producer}`,
      `  consumed      ${r.consumed} in ${r.consumeSeconds.toFixed(2)} s, ${r.msgsPerSec} msg/s` +
        ` (${r.replayedAfterFailure} re-read after the simulated crash)`,
      `  steady rate   ${r.steadyMsgsPerSec} msg/s over ${r.steadyRecords} records, first batch to crash (start-up and restart excluded)`,
      `  checkpoints   ${r.checkpointsCompleted} completed; crash restored from checkpoint ${r.restoredFromCheckpoint ?? '-'}`,
      `  exactly-once  ${ok(r.exactlyOnce)}: ${r.missing} missing, ${r.duplicates} duplicates`,
      `  ZooKeeper     ${ok(r.zookeeperOffsetsMatch)}: /consumers/<group>/offsets/${r.topic}/<p> = log end of every partition`,
      '',
    ].join('\n'),
  );
}
