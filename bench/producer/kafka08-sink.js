// kafka08's Flink sink: `FlinkKafkaProducer.invoke(element)` awaited per element, as a Flink-style
// pipeline writes, with an identity schema over the same values as kafka08.js, acks and codec
// from the options, every other setting at its Kafka 0.8.2 default.
// Prints one JSON line: { client, complete, count, elapsedMs, error? }.
import { performance } from 'node:perf_hooks';
import { BLOCK_VALUES, payloadBlock } from './payload.js';

const { FlinkKafkaProducer } = await import('../../dist/producer/index.js');
const [brokers, topic, countArg, sizeArg, json] = process.argv.slice(2);
const count = Number(countArg);
const size = Number(sizeArg);
const options = json ? JSON.parse(json) : {};
const block = payloadBlock(size, 1, options.payload);
const values = Array.from({ length: BLOCK_VALUES }, (_, i) => block.subarray(i * size, (i + 1) * size));

const sink = new FlinkKafkaProducer(
  topic,
  { serialize: (element) => element },
  { bootstrapServers: brokers, acks: options.acks ?? 1, compressionType: options.compression ?? 'none' },
);
try {
  await sink.open();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await sink.invoke(values[i % BLOCK_VALUES]);
  await sink.flush();
  const elapsedMs = performance.now() - t0;
  const acked = sink.producer.metrics().records;
  await sink.close();
  console.log(JSON.stringify({ client: 'kafka08-sink', complete: acked === count, count: acked, elapsedMs }));
} catch (e) {
  const acked = sink.producer.metrics().records;
  console.log(JSON.stringify({ client: 'kafka08-sink', complete: false, count: acked, error: String(e) }));
}
process.exit(0);
