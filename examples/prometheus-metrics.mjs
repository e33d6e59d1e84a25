// A consumer's metrics (lag per partition, rates, fetch latency, commits) as Prometheus metrics
// with prom-client, which the application installs itself (kafka08 does not depend on it).
// Serves them on http://127.0.0.1:<port>/metrics while it reads; at each partition's "END"
// marker it prints what a scrape returns and exits.
//
//   KAFKA08_BROKERS=127.0.0.1:9092 KAFKA08_ZOOKEEPER=127.0.0.1:2181 \
//     node examples/prometheus-metrics.mjs <topic> [port]
import { createServer } from 'node:http';
import { FlinkKafkaConsumer082, SimpleStringSchema } from 'kafka08';
import client from 'prom-client';

const [topic, port = '0'] = process.argv.slice(2);
if (topic === undefined) {
  console.error('usage: node examples/prometheus-metrics.mjs <topic> [port]');
  process.exit(2);
}

const registry = new client.Registry();
const labelNames = ['topic', 'partition'];
const lag = new client.Gauge({
  name: 'kafka08_consumer_lag',
  help: 'messages behind the log end',
  labelNames,
  registers: [registry],
});
const position = new client.Gauge({
  name: 'kafka08_consumer_position',
  help: 'next offset to hand out',
  labelNames,
  registers: [registry],
});
const records = new client.Gauge({
  name: 'kafka08_consumer_records_total',
  help: 'records handed out',
  registers: [registry],
});
const rate = new client.Gauge({
  name: 'kafka08_consumer_records_per_second',
  help: 'over the last 10 s',
  registers: [registry],
});
const latency = new client.Gauge({
  name: 'kafka08_consumer_fetch_latency_ms',
  help: 'fetch round trip',
  labelNames: ['quantile'],
  registers: [registry],
});
const commits = new client.Gauge({
  name: 'kafka08_consumer_commits_total',
  help: 'offset commits written',
  registers: [registry],
});

/** Copies one metrics snapshot into the gauges. */
function publish(m) {
  for (const p of m.partitions) {
    const labels = { topic: p.topic, partition: String(p.partition) };
    if (p.lag !== undefined) lag.set(labels, Number(p.lag));
    if (typeof p.position === 'bigint') position.set(labels, Number(p.position));
  }
  records.set(m.records);
  rate.set(m.recordsPerSecond);
  latency.set({ quantile: '0.5' }, m.fetchLatencyP50Ms);
  latency.set({ quantile: '0.99' }, m.fetchLatencyP99Ms);
  commits.set(m.commits);
}

const consumer = new FlinkKafkaConsumer082(topic, new SimpleStringSchema({ endMarker: 'END' }), {
  'bootstrap.servers': process.env.KAFKA08_BROKERS || '127.0.0.1:9092',
  'zookeeper.connect': process.env.KAFKA08_ZOOKEEPER || '127.0.0.1:2181',
  'group.id': `prometheus-example-${topic}`,
  'auto.offset.reset': 'smallest',
  'metrics.interval.ms': 1000, // a `metrics` event every second
});
consumer.on('metrics', publish);

const server = createServer(async (req, res) => {
  if (req.url !== '/metrics') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
});
await new Promise((resolve) => server.listen(Number(port), '127.0.0.1', resolve));

for await (const _ of consumer) {
  // The application's work goes here.
}
// The loop ended at the markers: publish the final figures and show one scrape.
publish(consumer.metrics());
await consumer.close();
const { port: bound } = server.address();
const scrape = await (await fetch(`http://127.0.0.1:${bound}/metrics`)).text();
server.close();
process.stdout.write(scrape);
