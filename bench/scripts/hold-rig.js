// Starts a local Kafka 0.8.2.2 rig, loads the benchmark topics with our Produce encoder, prints
// the broker list as one JSON line, then stays up until SIGINT/SIGTERM. Lets engine measurements
// (engine-memory.js, the kafka08 drivers, --cpu-prof runs) reuse one loaded broker.
//
//   node bench/scripts/hold-rig.js [--brokers 1] [--count 1000000] [--size 100] [--partitions 64,256]
// (--partitions: also mem-<n>p topics of that many partitions, the count spread over them)
import { produceScenario } from '../lib/produce.js';

const { startLocalKafka } = await import('../../dist/rig/index.js');
const argv = process.argv.slice(2);
const value = (n, d) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1] : d;
};
const brokers = Number(value('brokers', '1'));
const count = Number(value('count', '1000000'));
const size = Number(value('size', '100'));
const topics = [
  { name: 'mem-1p', partitions: 1, compression: 'none' },
  { name: 'mem-8p', partitions: 8, compression: 'none' },
  { name: 'mem-snappy', partitions: 1, compression: 'snappy' },
  { name: 'mem-gzip', partitions: 1, compression: 'gzip' },
  ...(value('partitions', '') || '')
    .split(',')
    .filter(Boolean)
    .map((n) => ({ name: `mem-${Number(n)}p`, partitions: Number(n), compression: 'none' })),
];
const kafka = await startLocalKafka({
  brokers,
  topics: topics.map(({ name, partitions }) => ({ name, partitions })),
});
for (const t of topics) {
  const p = await produceScenario({
    brokers: kafka.brokers,
    topic: t.name,
    partitions: t.partitions,
    count,
    size,
    compression: t.compression,
  });
  console.error(`${t.name}: ${count} x ${size} B in ${Math.round(p.ms)} ms`);
}
console.log(
  JSON.stringify({
    brokers: kafka.brokers,
    zookeeper: kafka.zookeeper,
    count,
    size,
    topics: topics.map((t) => t.name),
  }),
);
const stop = async () => {
  await kafka.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
