import { createInterface } from 'node:readline';
import {
  type CompressionType,
  Producer,
  ProducerConfigError,
  type ProducerProperties,
  type RecordMetadata,
} from '../producer/index.js';
import type { MessageToEncode } from '../protocol/message-set-encode.js';
import { COMMON_HELP, type Flags, parseFlags } from './args.js';
import { decodeText, ENCODINGS, type Encoding } from './encoding.js';
import { Progress } from './progress.js';
import { parseProperties, producerProperties } from './properties.js';
import { UsageError } from './usage.js';

const HELP = `usage: kafka08 produce --topic T [--partition P] [--compression none|gzip|snappy|lz4]
                       [--key-separator S] [--null-value S] [--acks 1|-1] [--batch N]
                       [--key-encoding utf8|base64|hex] [--value-encoding ...] [-X property=value ...]
  Sends each line of stdin as one message.
  --key-separator S  text before the first S is the key, after it the value; a line without S
                     has a null key (default: no keys)
  --null-value S     a value equal to S is sent as null
  --partition P      every message to P (default: Kafka's murmur2 key hash, as Java producers
                     place keys; round-robin without a key)
  --batch N          messages per produce request and partition (default 500)
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
    batch: Math.max(1, flags.int('batch', 500, 1_000_000)),
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

/** One stdin line as a message. */
export function lineToMessage(line: string, lineNo: number, o: ProduceOptions): MessageToEncode {
  let keyText: string | undefined;
  let valueText = line;
  if (o.keySeparator !== undefined) {
    const at = line.indexOf(o.keySeparator);
    if (at >= 0) {
      keyText = line.slice(0, at);
      valueText = line.slice(at + o.keySeparator.length);
    }
  }
  return {
    key: keyText === undefined ? null : decodeText(keyText, o.keyEncoding, `the key on line ${lineNo}`),
    value:
      o.nullValue !== undefined && valueText === o.nullValue
        ? null
        : decodeText(valueText, o.valueEncoding, `the value on line ${lineNo}`),
  };
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

/** Lines become sends; at most `--batch` lines are waiting on the broker per window, two windows at a time. */
async function produce(producer: Producer, o: ProduceOptions): Promise<ProduceSummary> {
  const partitionCount = await producer.partitionCount(o.topic);
  if (o.partition !== undefined && o.partition >= partitionCount) {
    throw new UsageError(`topic ${o.topic} has no partition ${o.partition} (it has ${partitionCount})`);
  }
  const perPartition = new Map<number, { count: number; first: bigint; last: bigint }>();
  let sent = 0;
  let failure: unknown;
  const record = (m: RecordMetadata): void => {
    sent++;
    const offset = m.offset ?? -1n;
    const prev = perPartition.get(m.partition);
    if (prev === undefined) perPartition.set(m.partition, { count: 1, first: offset, last: offset });
    else {
      prev.count++;
      if (offset < prev.first) prev.first = offset;
      if (offset > prev.last) prev.last = offset;
    }
  };
  const progress = new Progress(
    o.quiet,
    (rate) => `${o.topic}: ${sent} sent, ${Math.round(rate)} msg/s`,
    () => sent,
  );
  let window: Promise<void>[] = [];
  let previousWindow: Promise<void>[] = [];
  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    let lineNo = 0;
    for await (const line of rl) {
      lineNo++;
      const m = lineToMessage(line, lineNo, o);
      const send = producer.send({ topic: o.topic, partition: o.partition, key: m.key, value: m.value });
      window.push(
        send.then(record, (e: unknown) => {
          failure ??= e;
        }),
      );
      if (window.length >= o.batch) {
        await Promise.all(previousWindow);
        previousWindow = window;
        window = [];
      }
      if (failure !== undefined) break;
    }
    await Promise.all([...previousWindow, ...window]);
  } finally {
    rl.close();
    progress.stop();
  }
  if (failure !== undefined) throw failure;
  if (!o.quiet && process.stderr.isTTY === true) {
    process.stderr.write(`produced ${sent} message(s) to ${o.topic} in ${progress.elapsedMs} ms\n`);
  }
  return {
    topic: o.topic,
    count: sent,
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
