// Kafka's own JVM high-level consumer, `kafka.tools.ConsumerPerformance` from the 0.8.2.2 jars
// (ZooKeeper group, fresh group id, auto.offset.reset=smallest, 1 MiB fetches, one stream
// thread): the reference ceiling. The JVM runs under GNU time and its RSS and CPU are reported
// as `child`. Elapsed time is the tool's own start→end (it starts its clock after connecting to
// ZooKeeper and creating the streams, and takes off the 5 s consumer.timeout.ms that ends its
// threads), so JVM start-up is excluded; `child.wallSec` includes it.
// Heap -Xmx256M as kafka-run-class.sh sets by default.
import { randomBytes } from 'node:crypto';
import { runTimed, signalChildOf } from '../lib/timed.js';
import { parseArgs, report } from './common.js';

const { topic, expected, options } = parseArgs();
if (!options.zookeeper || !options.classpath) {
  report({
    client: 'jvm',
    complete: false,
    count: 0,
    error: 'needs options.zookeeper and options.classpath',
  });
  process.exit(0);
}
let child;
process.once('SIGTERM', () => child && signalChildOf(child.pid, 'SIGTERM'));
const args = [
  '-Xmx256M',
  '-Dlog4j.configuration=file:/dev/null',
  '-cp',
  options.classpath,
  'kafka.tools.ConsumerPerformance',
  '--zookeeper',
  options.zookeeper,
  '--topic',
  topic,
  '--messages',
  String(expected),
  '--threads',
  '1',
  '--group',
  `bench-${randomBytes(4).toString('hex')}`,
  '--hide-header',
  '--date-format',
  'yyyy-MM-dd HH:mm:ss.SSS',
];
const r = await runTimed(options.java ?? 'java', args, {
  timeoutMs: options.timeoutMs ?? 600_000,
  onSpawn: (c) => {
    child = c;
  },
});
// One CSV line: start.time, end.time, fetch.size, MB.consumed, MB.sec, nMsg.consumed, nMsg.sec
const line = r.stdout
  .trim()
  .split('\n')
  .find((l) => /^\d{4}-\d\d-\d\d .*, /.test(l));
if (!line) {
  report({
    client: 'jvm',
    complete: false,
    count: 0,
    child: r.time,
    error: `ConsumerPerformance printed no summary (exit ${r.code ?? r.signal}): ${r.stderr.trim().slice(-300)}`,
  });
} else {
  const f = line.split(',').map((s) => s.trim());
  // The tool's stream threads end only after consumer.timeout.ms (5 s) without messages; its own
  // nMsg.sec subtracts that wait, so the elapsed time is derived from it rather than end - start.
  const count = Number(f[5]);
  const ms = (count / Number(f[6])) * 1000;
  report({
    client: 'jvm',
    complete: count >= expected,
    count,
    bytes: Math.round(Number(f[3]) * 1024 * 1024),
    elapsedMs: ms,
    child: r.time,
  });
}
