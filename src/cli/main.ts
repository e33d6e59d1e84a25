#!/usr/bin/env node
import { Kafka08Error } from '../protocol/errors.js';
import { brokerCommand } from './broker.js';
import { consumeCommand } from './consume.js';
import { demoCommand } from './demo.js';
import { errorLine } from './error-line.js';
import { groupCommand } from './group.js';
import { metadataCommand } from './metadata.js';
import { offsetsCommand } from './offsets.js';
import { produceCommand } from './produce.js';
import { UsageError } from './usage.js';

/** Each subcommand takes the arguments after its name and resolves to an exit code. */
export type Subcommand = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Subcommand; summary: string }> = {
  metadata: {
    run: metadataCommand,
    summary: 'metadata [--topic T]   brokers, partitions, leaders, replicas, ISR',
  },
  offsets: {
    run: offsetsCommand,
    summary: 'offsets --topic T   earliest/latest (and --time) offsets per partition',
  },
  consume: { run: consumeCommand, summary: 'consume --topic T   print messages (JSON lines or values)' },
  produce: { run: produceCommand, summary: 'produce --topic T   send stdin lines as messages' },
  group: {
    run: groupCommand,
    summary: 'group --group G [--topic T | --zookeeper Z] | --list   committed offsets and lag per partition',
  },
  demo: {
    run: demoCommand,
    summary: 'demo   embedded broker, FlinkKafkaConsumer082 with checkpoints, a crash, an exactly-once check',
  },
  broker: { run: brokerCommand, summary: 'broker up|down   run a local Kafka 0.8 cluster in the background' },
};

function usage(): string {
  return `usage: kafka08 <command> ...\n${Object.values(COMMANDS)
    .map((c) => `  kafka08 ${c.summary}`)
    .join('\n')}\nRun "kafka08 <command> --help" for a command's flags.`;
}

/** One line for the user; the stack only when KAFKA08_DEBUG asks for it (a bug report). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (process.env.KAFKA08_DEBUG) return err.stack ?? `${err.name}: ${err.message}`;
  return `${err.name}: ${err.message} (set KAFKA08_DEBUG=1 for the stack trace)`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) throw new UsageError(`unknown command "${name}" (try: ${Object.keys(COMMANDS).join(', ')})`);
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Mistakes and known failures get one clear message, never a stack trace.
    if (err instanceof UsageError) process.stderr.write(`kafka08: ${err.message}\n`);
    else if (err instanceof Kafka08Error) process.stderr.write(`${errorLine(err)}\n`);
    else process.stderr.write(`kafka08: unexpected error: ${describe(err)}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
