// Kafka 0.8.2's own producer benchmark, org.apache.kafka.clients.tools.ProducerPerformance from
// the kafka-clients jar (the new KafkaProducer), acks and codec from the options, its defaults
// otherwise, -Xmx256M as kafka-run-class.sh sets. It sends a constant payload (every byte 1),
// which compresses far better than real data: compare its codec rows with that in mind. The
// rate is the tool's own (clock started after JVM start-up); RSS and CPU are the JVM's.
import { runTimed } from '../lib/timed.js';

const [brokers, topic, countArg, sizeArg, json] = process.argv.slice(2);
const options = json ? JSON.parse(json) : {};
const r = await runTimed(
  options.java ?? 'java',
  [
    '-Xmx256M',
    '-Dlog4j.configuration=file:/dev/null',
    '-cp',
    options.classpath,
    'org.apache.kafka.clients.tools.ProducerPerformance',
    topic,
    countArg,
    sizeArg,
    '-1',
    `bootstrap.servers=${brokers}`,
    `acks=${options.acks ?? 1}`,
    `compression.type=${options.compression ?? 'none'}`,
  ],
  { timeoutMs: options.timeoutMs ?? 600_000 },
);
// "N records sent, R records/sec (M MB/sec), ... ms avg latency, ... ms max latency.": every 5 s
// for the window just ended, then once for the whole run; the last line is the run's.
const m = [...r.stdout.matchAll(/(\d+) records sent, ([\d.]+) records\/sec/g)].at(-1) ?? null;
const count = m ? Number(m[1]) : 0;
console.log(
  JSON.stringify({
    client: 'jvm',
    complete: m !== null && count >= Number(countArg) && r.code === 0,
    count,
    elapsedMs: m ? (count / Number(m[2])) * 1000 : r.wallMs,
    child: r.time,
    ...(m
      ? count >= Number(countArg) && r.code === 0
        ? {}
        : { error: `ProducerPerformance sent ${count} (exit ${r.code}): ${r.stderr.trim().slice(-300)}` }
      : { error: `ProducerPerformance printed no summary (exit ${r.code}): ${r.stderr.trim().slice(-300)}` }),
  }),
);
