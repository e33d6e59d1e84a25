import { createInterface } from 'node:readline';
import { Codec } from '../protocol/compression/index.js';
import { crc32 } from '../protocol/crc32.js';
import type { MessageToEncode } from '../protocol/message-set-encode.js';
import { COMMON_HELP, type Flags, parseFlags } from './args.js';
import { decodeText, ENCODINGS, type Encoding } from './encoding.js';
import { Progress } from './progress.js';
import { type CliSession, withSession } from './session.js';
import { UsageError } from './usage.js';

const HELP = `usage: kafka08 produce --topic T [--partition P] [--compression none|gzip|snappy|lz4]
                       [--key-separator S] [--null-value S] [--acks 1|-1] [--batch N]
                       [--key-encoding utf8|base64|hex] [--value-encoding ...]
  Sends each line of stdin as one message.
  --key-separator S  text before the first S is the key, after it the value; a line without S
                     has a null key (default: no keys)
  --null-value S     a value equal to S is sent as null
  --partition P      every message to P (default: by key hash, round-robin without a key)
  --batch N          messages per produce request and partition (default 500)
  A topic that does not exist is auto-created when the broker allows it (the 0.8 default).
${COMMON_HELP}`;

const CODECS = { none: Codec.None, gzip: Codec.Gzip, snappy: Codec.Snappy, lz4: Codec.Lz4 } as const;
const LINGER_MS = 20;

interface ProduceOptions {
  topic: string;
  partition: number | undefined;
  codec: Codec;
  keySeparator: string | undefined;
  nullValue: string | undefined;
  acks: 1 | -1;
  batch: number;
  keyEncoding: Encoding;
  valueEncoding: Encoding;
  quiet: boolean;
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
    codec: CODECS[flags.choice('compression', ['none', 'gzip', 'snappy', 'lz4'], 'none')],
    keySeparator: sep,
    nullValue: flags.string('null-value'),
    acks: acks === '1' ? 1 : -1,
    batch: Math.max(1, flags.int('batch', 500, 1_000_000)),
    keyEncoding: flags.choice('key-encoding', ENCODINGS, 'utf8'),
    valueEncoding: flags.choice('value-encoding', ENCODINGS, 'utf8'),
    quiet: flags.bool('quiet'),
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
    },
    HELP,
  );
  if (!flags) return 0;
  const o = options(flags);
  const summary = await withSession(flags.brokers(), (s) => produce(s, o), { requestTimeoutMs: 30_000 });
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

async function produce(s: CliSession, o: ProduceOptions): Promise<ProduceSummary> {
  const partitions = await s.metadata.partitionsFor(o.topic);
  if (o.partition !== undefined && !partitions.includes(o.partition)) {
    throw new UsageError(`topic ${o.topic} has no partition ${o.partition} (it has ${partitions.length})`);
  }
  const perPartition = new Map<number, { count: number; first: bigint; last: bigint }>();
  let sent = 0;
  let roundRobin = 0;
  const choose = (m: MessageToEncode): number => {
    if (o.partition !== undefined) return o.partition;
    if (m.key != null) return partitions[crc32(m.key) % partitions.length]!;
    return partitions[roundRobin++ % partitions.length]!;
  };

  const sendPartition = async (partition: number, messages: MessageToEncode[]): Promise<void> => {
    const first = await s.produceTo(o.topic, partition, messages, { codec: o.codec, acks: o.acks });
    const prev = perPartition.get(partition);
    perPartition.set(partition, {
      count: (prev?.count ?? 0) + messages.length,
      first: prev?.first ?? first,
      last: first + BigInt(messages.length - 1),
    });
  };

  const sendBatch = async (batch: MessageToEncode[]): Promise<void> => {
    const byPartition = new Map<number, MessageToEncode[]>();
    for (const m of batch) {
      const p = choose(m);
      const list = byPartition.get(p);
      if (list === undefined) byPartition.set(p, [m]);
      else list.push(m);
    }
    await Promise.all([...byPartition].map(([p, msgs]) => sendPartition(p, msgs)));
    sent += batch.length;
  };

  const progress = new Progress(
    o.quiet,
    (rate) => `${o.topic}: ${sent} sent, ${Math.round(rate)} msg/s`,
    () => sent,
  );
  // Lines are sent in order, one request at a time; a short linger batches a fast pipe while an
  // interactive user still sees each line go out at once.
  let pending: MessageToEncode[] = [];
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending.length > 0) {
      const batch = pending;
      pending = [];
      chain = chain
        .then(() => (failure === undefined ? sendBatch(batch) : undefined))
        .catch((e: unknown) => {
          failure ??= e;
        });
    }
    return chain;
  };
  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    let lineNo = 0;
    for await (const line of rl) {
      lineNo++;
      pending.push(lineToMessage(line, lineNo, o));
      if (pending.length >= o.batch) await flush();
      else timer ??= setTimeout(() => void flush(), LINGER_MS);
      if (failure !== undefined) break;
    }
    await flush();
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    rl.close();
    progress.stop();
  }
  if (failure !== undefined) throw failure;
  const summary: ProduceSummary = {
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
  if (!o.quiet && process.stderr.isTTY === true) {
    process.stderr.write(`produced ${sent} message(s) to ${o.topic} in ${progress.elapsedMs} ms\n`);
  }
  return summary;
}
