// node-rdkafka (librdkafka 2.12) KafkaConsumer with the 0.8 fallback settings and assign()
// (subscribe() silently gets nothing from a 0.8 broker), consumed in batches of 1000 through the
// non-flowing consume(n, cb) API. options.tuned adds fetch.queue.backoff.ms=10 (default 1000:
// after the prefetch queue fills, librdkafka waits a second before fetching again) and
// queued.min.messages=1000000 (default 100000).
import { exitSoon, parseArgs, tracker } from './common.js';
import { requirePeer } from './peer-require.js';

const { brokers, topic, partitions, expected, options } = parseArgs();
const name = options.tuned ? 'node-rdkafka-tuned' : 'node-rdkafka';
const t = tracker(name, expected);
try {
  const Kafka = requirePeer('node-rdkafka');
  const conf = {
    'group.id': `bench-${process.pid}`,
    'metadata.broker.list': brokers,
    'api.version.request': false,
    'broker.version.fallback': '0.8.2.1',
    'enable.auto.commit': false,
    ...(options.tuned ? { 'fetch.queue.backoff.ms': 10, 'queued.min.messages': 1_000_000 } : {}),
  };
  const consumer = new Kafka.KafkaConsumer(conf, { 'auto.offset.reset': 'earliest' });
  consumer.on('event.error', (e) => process.stderr.write(`node-rdkafka: ${e}\n`));
  t.start();
  consumer.connect({ timeout: 10_000 }, (err) => {
    if (err) {
      t.finish(false, err);
      exitSoon();
      return;
    }
    consumer.assign(Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, offset: 0 })));
    const loop = () => {
      consumer.consume(1000, (e, messages) => {
        if (e) {
          // Reported per partition by librdkafka; count them and keep consuming like an app would.
          t.extra.consumeErrors = (t.extra.consumeErrors ?? 0) + 1;
          t.extra.lastConsumeError = String(e);
          if (t.extra.consumeErrors === 1)
            process.stderr.write(`node-rdkafka consume error: ${e} ${e.code}\n`);
          setTimeout(loop, 10);
          return;
        }
        let bytes = 0;
        for (const m of messages) bytes += m.value ? m.value.length : 0;
        if (t.add(messages.length, bytes)) {
          exitSoon();
          return;
        }
        setImmediate(loop);
      });
    };
    loop();
  });
} catch (e) {
  t.finish(false, e);
  exitSoon();
}
