// Kafka 0.8.2's Java KafkaProducer sending the same text values as kafka08 and kcat
// (TextProducer.java beside this file, compiled with javac against the broker's jars on first
// use): the like-for-like JVM row for the compressed codecs, which ProducerPerformance's
// constant payload flatters. acks and codec from the options, KafkaProducer defaults otherwise.
// -Xmx512M: with the 256M that kafka-run-class.sh gives the tools, lz4 and these values end in
// OutOfMemoryError (every open lz4 batch allocates a 64 KiB block and a compressed-block buffer
// of its own, and 32 MiB of buffer.memory in 16 KiB batches is 2,048 batches). The elapsed time
// is the program's own (first send to the end of close()); RSS and CPU are the JVM's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastJsonLine, runTimed } from '../lib/timed.js';

const here = dirname(fileURLToPath(import.meta.url));
const [brokers, topic, countArg, , json] = process.argv.slice(2);
const options = json ? JSON.parse(json) : {};
const java = options.java ?? 'java';
// Compiled once per benchmark run, into the run's scratch directory (beside the values file).
const classes = join(dirname(options.file), 'jvm-text-classes');
const classpath = `${options.classpath}:${classes}`;
if (!existsSync(join(classes, 'TextProducer.class'))) {
  mkdirSync(classes, { recursive: true });
  const javac = java.includes('/') ? join(dirname(java), 'javac') : 'javac';
  execFileSync(javac, ['-nowarn', '-cp', options.classpath, '-d', classes, join(here, 'TextProducer.java')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
const r = await runTimed(
  java,
  [
    '-Xmx512M',
    '-Dlog4j.configuration=file:/dev/null',
    '-cp',
    classpath,
    'TextProducer',
    brokers,
    topic,
    countArg,
    options.file,
    String(options.acks ?? 1),
    options.compression ?? 'none',
  ],
  { timeoutMs: options.timeoutMs ?? 600_000 },
);
const line = lastJsonLine(r.stdout);
console.log(
  JSON.stringify(
    line
      ? { ...line, complete: line.complete && r.code === 0, child: r.time }
      : {
          client: 'jvm-text',
          complete: false,
          count: 0,
          child: r.time,
          error: `TextProducer printed no result (exit ${r.code ?? r.signal}): ${r.stderr.trim().slice(-300)}`,
        },
  ),
);
