// FlinkKafkaConsumer081 (Kafka 0.8.1 brokers: it never sends a 0.8.2-only request) read as an
// async iterator: every message of a topic from the beginning until each partition's "END"
// marker, then the group's offsets are committed to ZooKeeper on close.
//
//   KAFKA08_BROKERS=127.0.0.1:9092 KAFKA08_ZOOKEEPER=127.0.0.1:2181 \
//     node examples/flink-consumer-081.mjs <topic> [group]
import { FlinkKafkaConsumer081, SimpleStringSchema } from 'kafka08';

const [topic, group = 'example-081'] = process.argv.slice(2);
if (topic === undefined) {
  console.error('usage: node examples/flink-consumer-081.mjs <topic> [group]');
  process.exit(2);
}

const consumer = new FlinkKafkaConsumer081(topic, new SimpleStringSchema({ endMarker: 'END' }), {
  'bootstrap.servers': process.env.KAFKA08_BROKERS || '127.0.0.1:9092',
  'zookeeper.connect': process.env.KAFKA08_ZOOKEEPER || '127.0.0.1:2181',
  'group.id': group,
  startFrom: 'earliest',
});
// The loop ends when every partition met its end marker (or on close).
for await (const line of consumer) console.log(line);
await consumer.close();
