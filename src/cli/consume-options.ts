import type { FetchEngineOptions } from '../simple-consumer/fetch-engine/index.js';
import { COMMON_HELP, type Flags, offsetArg } from './args.js';
import { ENCODINGS, type Encoding } from './encoding.js';
import type { OffsetStorage } from './group-offsets.js';
import { consumeOptions, parseProperties } from './properties.js';
import type { RecordFormat } from './record-output.js';
import { parseTemplate } from './record-template.js';
import { UsageError } from './usage.js';

export const CONSUME_HELP = `usage: kafka08 consume --topic T [--partition P ...] [-o|--offset earliest|latest|N|-N]
                       [--count N] [--exit-at-end] [--group G [--commit] [--storage zookeeper|kafka]]
                       [-f|--format json|value|TEMPLATE] [--key-encoding utf8|base64|hex]
                       [--value-encoding ...] [-X property=value ...]
  Reads messages and prints one per line. --format json (default) prints
  {"topic","partition","offset","key","value"} with the offset as a decimal string and a null
  key/value as null; --format value prints the value alone (an empty line for null). A TEMPLATE
  uses kcat's tokens: %t topic, %p partition, %o offset, %k key, %K key length, %s value,
  %S value length (-1 for null), %% and \\n \\r \\t; keys and values are printed as their bytes.
  -o, --offset   where to start in each partition (default earliest); N must lie in the log; -N
                 starts N messages before the end (at the log start if it holds fewer)
  --count N      stop after N messages (exit 0)
  --exit-at-end  stop once every partition reached the high watermark it had at start (exit 0)
  --group G      start from G's committed offsets (partitions without one use --offset)
  --summary      at the end, each partition's position and lag on stderr (the default when
                 stderr is a terminal; --quiet turns it off)
  --commit       commit progress for --group every 5 s and on exit
  --storage      where the group's offsets live: zookeeper (default, v0) or kafka (v1, 0.8.2 only)
  -X key=value   a consumer property: fetch.message.max.bytes (first fetch size, 1 MiB),
                 fetch.message.max.bytes.ceiling (the fetch grows to fit a message up to this,
                 64 MiB), fetch.wait.max.ms, fetch.min.bytes, socket.timeout.ms, check.crcs
  Progress (count, rate, lag) goes to stderr when it is a terminal; so does a warning when a
  partition's broker keeps serving nothing below its high watermark. Ctrl-C stops (exit 130);
  a second Ctrl-C a second later forces it.
${COMMON_HELP}`;

export const CONSUME_FLAGS = {
  offset: { type: 'string', short: 'o' },
  count: { type: 'string' },
  'exit-at-end': { type: 'boolean' },
  group: { type: 'string' },
  commit: { type: 'boolean' },
  storage: { type: 'string' },
  format: { type: 'string', short: 'f' },
  'key-encoding': { type: 'string' },
  'value-encoding': { type: 'string' },
  property: { type: 'string', short: 'X', multiple: true },
  summary: { type: 'boolean' },
} as const;

/** Where to start: a symbolic position, an offset, or this many messages before the end. */
export type StartAt = 'earliest' | 'latest' | bigint | { beforeEnd: bigint };

export interface ConsumeOptions {
  topic: string;
  partitions: number[];
  offset: StartAt;
  count: number | undefined;
  exitAtEnd: boolean;
  group: string | undefined;
  commit: boolean;
  storage: OffsetStorage;
  format: RecordFormat;
  keyEncoding: Encoding;
  valueEncoding: Encoding;
  quiet: boolean;
  /** Print where each partition ended and its lag. */
  summary: boolean;
  engine: Partial<FetchEngineOptions>;
}

/** A message bigger than this stops consume (MessageTooLargeError) unless -X raises it. */
const DEFAULT_FETCH_CEILING = 64 * 1024 * 1024;

function startAt(text: string): StartAt {
  if (text === 'earliest' || text === 'latest') return text;
  if (text.startsWith('-')) return { beforeEnd: offsetArg('--offset', text.slice(1)) };
  return offsetArg('--offset', text);
}

function format(text: string | undefined): RecordFormat {
  if (text === undefined || text === 'json' || text === 'value') return text ?? 'json';
  if (!text.includes('%'))
    throw new UsageError(`--format must be one of json, value, or a template with %-tokens, got "${text}"`);
  return parseTemplate(text);
}

export function consumeCommandOptions(flags: Flags): ConsumeOptions {
  const countText = flags.string('count');
  const group = flags.string('group');
  if (flags.bool('commit') && group === undefined) throw new UsageError('--commit needs --group');
  if (flags.string('storage') !== undefined && group === undefined)
    throw new UsageError('--storage needs --group');
  return {
    topic: flags.topic(),
    partitions: flags.partitions(),
    offset: startAt(flags.string('offset') ?? 'earliest'),
    count: countText === undefined ? undefined : flags.int('count', 0),
    exitAtEnd: flags.bool('exit-at-end'),
    group,
    commit: flags.bool('commit'),
    storage: flags.choice('storage', ['zookeeper', 'kafka'], 'zookeeper'),
    format: format(flags.string('format')),
    keyEncoding: flags.choice('key-encoding', ENCODINGS, 'utf8'),
    valueEncoding: flags.choice('value-encoding', ENCODINGS, 'utf8'),
    quiet: flags.bool('quiet'),
    summary: !flags.bool('quiet') && (flags.bool('summary') || process.stderr.isTTY === true),
    engine: engineOptions(consumeOptions(parseProperties(flags.raw('property')))),
  };
}

/** The ceiling defaults to 64 MiB, or to the first fetch size when that is set higher. */
function engineOptions(fromX: Partial<FetchEngineOptions>): Partial<FetchEngineOptions> {
  const ceiling = Math.max(DEFAULT_FETCH_CEILING, fromX.fetchSizeBytes ?? 0);
  return { maxFetchSizeBytes: ceiling, ...fromX };
}
