import {
  type CompressionType,
  Producer,
  ProducerConfigError,
  type ProducerProperties,
  type RecordMetadata,
} from '../producer/index.js';
import { COMMON_HELP, type Flags, parseFlags } from './args.js';
import { ENCODINGS, type Encoding } from './encoding.js';
import { LineCutter, type LineFormat, lineToRecord } from './produce-lines.js';
import { Progress } from './progress.js';
import { parseProperties, producerProperties } from './properties.js';
import { UsageError } from './usage.js';

const HELP = `usage: kafka08 produce --topic T [--partition P] [--compression none|gzip|snappy|lz4]
                       [--key-separator S] [--null-value S] [--acks 1|-1] [--batch N]
                       [--key-encoding utf8|base64|hex] [--value-encoding ...] [-X property=value ...]
  Sends each line of stdin as one message (a line ends at \\n; a \\r before it is dropped).
  --key-separator S  text before the first S is the key, after it the value; a line without S
                     has a null key (default: no keys)
  --null-value S     a value equal to S is sent as null
  --partition P      every message to P (default: Kafka's murmur2 key hash, as Java producers
                     place keys; round-robin without a key)
  --batch N          at most N lines waiting for the broker's answers (default: as many as
                     buffer.memory holds)
  -X key=value       a Producer property (linger.ms, batch.size, retries, request.timeout.ms,
                     max.block.ms, ...); it wins over the flag or default that sets the same
  Retriable broker errors are retried 10 times; a retry after a lost answer can duplicate.
  A topic that does not exist is auto-created when the broker allows it (the 0.8 default).
${COMMON_HELP}`;

const LINGER_MS = 20;

interface ProduceOptions {
  topic: string;
  partition: number | undefined;
  compression: CompressionType;
  keySeparator: string | undefined;
  nullValue: string | undefined;
  acks: 1 | -1;
  batch: number;
  keyEncoding: Encoding;
  valueEncoding: Encoding;
  quiet: boolean;
  /** -X properties, and the command's own settings they replace. */
  properties: ReturnType<typeof producerProperties>;
}

function options(flags: Flags): ProduceOptions {
  const partitions = flags.partitions();
  if (partitions.length > 1) throw new UsageError('produce takes at most one --partition');
  const sep = flags.string('key-separator');
  if (sep === '') throw new UsageError('--key-separator must not be empty');
  const acks = flags.choice('acks', ['1', '-1', 'all'], '1');
  return {
    topic: flags.topic(),
    partition: partitions[0],
    compression: flags.choice('compression', ['none', 'gzip', 'snappy', 'lz4'] as const, 'none'),
    keySeparator: sep,
    nullValue: flags.string('null-value'),
    acks: acks === '1' ? 1 : -1,
    batch: Math.max(1, flags.int('batch', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
    keyEncoding: flags.choice('key-encoding', ENCODINGS, 'utf8'),
    valueEncoding: flags.choice('value-encoding', ENCODINGS, 'utf8'),
    quiet: flags.bool('quiet'),
    properties: producerProperties(parseProperties(flags.raw('property'))),
  };
}

export async function produceCommand(args: string[]): Promise<number> {
  const flags = parseFlags(
    args,
    {
      compression: { type: 'string' },
      'key-separator': { type: 'string' },
      'null-value': { type: 'string' },
      acks: { type: 'string' },
      batch: { type: 'string' },
      'key-encoding': { type: 'string' },
      'value-encoding': { type: 'string' },
      property: { type: 'string', short: 'X', multiple: true },
    },
    HELP,
  );
  if (!flags) return 0;
  const o = options(flags);
  const producer = producerFor(flags.brokers(), o);
  let summary: ProduceSummary;
  try {
    summary = await produce(producer, o);
  } finally {
    await producer.close();
  }
  if (flags.bool('json')) process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

interface PartitionSummary {
  partition: number;
  count: number;
  firstOffset: string;
  lastOffset: string;
}

interface ProduceSummary {
  topic: string;
  count: number;
  partitions: PartitionSummary[];
}

function producerFor(brokers: string, o: ProduceOptions): Producer {
  const defaults: ProducerProperties = {
    bootstrapServers: brokers,
    clientId: 'kafka08-cli',
    acks: o.acks,
    compressionType: o.compression,
    // A short linger batches a fast pipe while an interactive user still sees each line go out at once.
    lingerMs: LINGER_MS,
    retries: 10,
    retryBackoffMs: 250,
    // Long enough for a produced-to topic to be auto-created; an unreachable cluster fails after it.
    maxBlockMs: 5000,
  };
  const { properties, replaces } = o.properties;
  const kept = Object.fromEntries(Object.entries(defaults).filter(([option]) => !replaces.has(option)));
  try {
    return new Producer({ ...kept, ...properties });
  } catch (err) {
    // A bad -X value is a mistake on the command line.
    if (err instanceof ProducerConfigError) throw new UsageError(`-X ${err.message}`);
    throw err;
  }
}

/**
 * Lines become sends with callbacks, read as fast as the producer takes them: stdin is read on
 * only while no send waits for buffer.memory (and, with `--batch`, while fewer lines than that
 * wait for the broker's answers).
 */
async function produce(producer: Producer, o: ProduceOptions): Promise<ProduceSummary> {
  const partitionCount = await producer.partitionCount(o.topic);
  if (o.partition !== undefined && o.partition >= partitionCount) {
    throw new UsageError(`topic ${o.topic} has no partition ${o.partition} (it has ${partitionCount})`);
  }
  const perPartition = new Map<number, { count: number; first: bigint; last: bigint }>();
  let sent = 0;
  let answered = 0;
  let failure: unknown;
  let drained: (() => void) | undefined;
  const onAnswer = (err: Error | null, m: RecordMetadata | undefined): void => {
    answered++;
    if (drained !== undefined && sent - answered <= o.batch / 2) drained();
    if (err !== null) {
      failure ??= err;
      return;
    }
    const offset = m!.offset ?? -1n;
    const prev = perPartition.get(m!.partition);
    if (prev === undefined) perPartition.set(m!.partition, { count: 1, first: offset, last: offset });
    else {
      prev.count++;
      if (offset < prev.first) prev.first = offset;
      if (offset > prev.last) prev.last = offset;
    }
  };
  const progress = new Progress(
    o.quiet,
    (rate) => `${o.topic}: ${answered} sent, ${Math.round(rate)} msg/s`,
    () => answered,
  );
  const format: LineFormat = {
    keySeparator: o.keySeparator === undefined ? undefined : Buffer.from(o.keySeparator, 'utf8'),
    nullValue: o.nullValue === undefined ? undefined : Buffer.from(o.nullValue, 'utf8'),
    keyEncoding: o.keyEncoding,
    valueEncoding: o.valueEncoding,
  };
  let lineNo = 0;
  const sendLine = (line: Buffer): void => {
    const { key, value } = lineToRecord(line, ++lineNo, format);
    producer.send({ topic: o.topic, partition: o.partition, key, value }, onAnswer);
    sent++;
  };
  const lines = new LineCutter();
  try {
    read: for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      for (const line of lines.cut(chunk)) {
        sendLine(line);
        if (failure !== undefined) break read;
        if (producer.bufferFull) await producer.waitForRoom();
        if (sent - answered >= o.batch) {
          await new Promise<void>((resolve) => {
            drained = resolve;
          });
          drained = undefined;
        }
      }
    }
    const last = failure === undefined ? lines.end() : undefined;
    if (last !== undefined) sendLine(last);
    await producer.flush();
  } finally {
    progress.stop();
  }
  if (failure !== undefined) throw failure;
  if (!o.quiet && process.stderr.isTTY === true) {
    process.stderr.write(`produced ${answered} message(s) to ${o.topic} in ${progress.elapsedMs} ms\n`);
  }
  return {
    topic: o.topic,
    count: answered,
    partitions: [...perPartition]
      .sort(([a], [b]) => a - b)
      .map(([partition, v]) => ({
        partition,
        count: v.count,
        firstOffset: v.first.toString(),
        lastOffset: v.last.toString(),
      })),
  };
}
