// kafkajs 2.2.4 supports Kafka 0.10+ only: it opens every connection with ApiVersions, which a
// 0.8 broker does not know (it closes the connection). This driver tries anyway, with no
// retries and short timeouts, so the table shows the real failure instead of leaving kafkajs out.
import { exitSoon, parseArgs, tracker } from './common.js';
import { requirePeer } from './peer-require.js';

const { brokers, topic, expected } = parseArgs();
const t = tracker('kafkajs', expected);
try {
  const { Kafka, logLevel } = requirePeer('kafkajs');
  t.start();
  const kafka = new Kafka({
    clientId: 'kafka08-bench',
    brokers: brokers.split(','),
    connectionTimeout: 3000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `bench-${process.pid}`, retry: { retries: 0 } });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      let bytes = 0;
      for (const m of batch.messages) bytes += m.value ? m.value.length : 0;
      if (t.add(batch.messages.length, bytes)) exitSoon();
    },
  });
} catch (e) {
  t.finish(false, e);
  exitSoon();
}
