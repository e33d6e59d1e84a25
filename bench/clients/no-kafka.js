// no-kafka 3.4.3 SimpleConsumer, idleTimeout 0 (its default sleeps 1000 ms between fetch
// rounds), 1 MiB fetches, from the earliest offset; the handler gets one array per partition.
import { exitSoon, parseArgs, tracker } from './common.js';
import { requirePeer } from './peer-require.js';

const { brokers, topic, partitions, expected } = parseArgs();
const t = tracker('no-kafka', expected);
try {
  const Kafka = requirePeer('no-kafka');
  t.start();
  const consumer = new Kafka.SimpleConsumer({
    connectionString: brokers,
    idleTimeout: 0,
    maxBytes: 1024 * 1024,
    maxWaitTime: 100,
    logger: { logLevel: 1 },
  });
  await consumer.init();
  const handler = (messageSet) => {
    let bytes = 0;
    for (const m of messageSet) bytes += m.message.value ? m.message.value.length : 0;
    if (t.add(messageSet.length, bytes)) exitSoon();
  };
  await consumer.subscribe(
    topic,
    Array.from({ length: partitions }, (_, p) => p),
    { time: Kafka.EARLIEST_OFFSET },
    handler,
  );
} catch (e) {
  t.finish(false, e);
  exitSoon();
}
