import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every cluster command accepts. */
export const COMMON_FLAGS = {
  brokers: { type: 'string' },
  zookeeper: { type: 'string' },
  topic: { type: 'string', multiple: true },
  partition: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const DEFAULT_BROKERS = '127.0.0.1:9092';

/** Parsed flags: strings, string lists and booleans, looked up by name with typed accessors. */
export class Flags {
  private readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;

  constructor(values: Record<string, string | boolean | (string | boolean)[] | undefined>) {
    this.values = values;
  }

  string(name: string): string | undefined {
    const v = this.values[name];
    if (Array.isArray(v)) return v.length === 0 ? undefined : String(v[v.length - 1]);
    return typeof v === 'string' ? v : undefined;
  }

  /** Every occurrence, each also split on commas (`--topic a,b --topic c`). */
  list(name: string): string[] {
    const v = this.values[name];
    const raw = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
    return raw
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  /** Every occurrence as given, not split on commas (`-X bootstrap.servers=a:1,b:2`). */
  raw(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
  }

  bool(name: string): boolean {
    return this.values[name] === true;
  }

  /** The seed brokers: `--brokers`, else `KAFKA08_BROKERS`, else 127.0.0.1:9092. */
  brokers(): string {
    const flag = this.string('brokers');
    const env = process.env.KAFKA08_BROKERS;
    return flag ?? (env !== undefined && env.trim() !== '' ? env : DEFAULT_BROKERS);
  }

  /** Exactly one `--topic`. */
  topic(): string {
    const topics = this.list('topic');
    if (topics.length === 0) throw new UsageError('--topic is required');
    if (topics.length > 1) throw new UsageError('give exactly one --topic');
    return topics[0] as string;
  }

  /** `--partition` values (empty = all partitions). */
  partitions(): number[] {
    return this.list('partition').map((p) => int('--partition', p, 0, 0x7fffffff));
  }

  /** A non-negative integer flag, or the default. */
  int(name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.string(name);
    return v === undefined ? fallback : int(`--${name}`, v, 0, max);
  }

  /** One of the given words, or the default. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!(choices as readonly string[]).includes(v)) {
      throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${v}"`);
    }
    return v as T;
  }
}

export function int(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} wants a whole number, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag} must be in [${min}, ${max}], got ${text}`);
  return n;
}

/** An int64 offset written in decimal. */
export function offsetArg(flag: string, text: string): bigint {
  if (!/^\d{1,19}$/.test(text))
    throw new UsageError(`${flag} wants an offset (a whole number), got "${text}"`);
  const n = BigInt(text);
  if (n > 0x7fffffffffffffffn) throw new UsageError(`${flag} ${text} is beyond int64`);
  return n;
}

/**
 * Parses `args` against the common flags plus the command's own; node's parse errors become one
 * UsageError line. Returns undefined after printing `help` when -h/--help was given.
 */
export function parseFlags(args: string[], own: Options, help: string): Flags | undefined {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  const options: Options = { ...COMMON_FLAGS, ...own };
  try {
    values = parseArgs({
      args: joinNegativeValues(args, options),
      options,
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (e) {
    throw new UsageError((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? 'bad arguments');
  }
  if (values.help === true) {
    process.stdout.write(`${help.trimEnd()}\n`);
    return undefined;
  }
  return new Flags(values);
}

/**
 * `--offset -5` and `-o -5` (kcat's "5 before the end"): node's parser calls a value starting
 * with '-' ambiguous, so a negative number after a string flag is joined to it (`--offset=-5`).
 */
function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    const long = a.startsWith('--') ? options[a.slice(2)] : undefined;
    const short =
      !a.startsWith('--') && a.length === 2 && a[0] === '-'
        ? Object.values(options).find((o) => o.short === a[1])
        : undefined;
    if ((long ?? short)?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(long !== undefined ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** The help text lines shared by every cluster command. */
export const COMMON_HELP = `common flags:
  --brokers host:port,...  seed brokers (default: $KAFKA08_BROKERS, else ${DEFAULT_BROKERS})
  --zookeeper host:port[/chroot]
                           default $KAFKA08_ZOOKEEPER; read by group (topics without --topic,
                           --list); accepted and ignored by the other commands
  --json                   machine-readable output on stdout
  --quiet                  no progress or summary on stderr
  -h, --help               this help`;
