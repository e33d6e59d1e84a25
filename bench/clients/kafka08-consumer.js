// kafka08's public consumer (client "kafka08-consumer"): FlinkKafkaConsumer082 with a raw-bytes
// schema under checkpointing, read with ready()/pollBatch() and snapshotted every 100k records.
// It is the FetchEngine plus everything a user of the consumer classes pays for: the copy of
// the bytes out of the response, the schema call per record, the records array, the position
// update per batch, the snapshots, and the ZooKeeper session at start. The "kafka08" client is
// the engine alone; the gap between the two is the policy layer's cost.
import { exitSoon, parseArgs, tracker } from './common.js';

const { brokers, topic, partitions, expected, options } = parseArgs();
const t = tracker('kafka08-consumer', expected);
const { FlinkKafkaConsumer082, RawBytesSchema } = await import('../../dist/index.js');

t.start();
try {
  const consumer = new FlinkKafkaConsumer082(topic, new RawBytesSchema(), {
    'bootstrap.servers': brokers,
    'zookeeper.connect': options.zookeeper,
    'group.id': `bench-consumer-${process.pid}-${Date.now()}`,
    startFrom: 'earliest',
    checkpointing: true,
    ...(options.prefetchBytes ? { prefetchBytes: options.prefetchBytes } : {}),
  });
  let sinceSnapshot = 0;
  let checkpointId = 0;
  let seen = 0;
  while (await consumer.ready()) {
    const batch = consumer.pollBatch();
    if (batch === undefined) continue;
    let bytes = 0;
    for (const value of batch.records) bytes += value.length;
    seen += batch.records.length;
    sinceSnapshot += batch.records.length;
    if (sinceSnapshot >= 100_000) {
      consumer.snapshotState(++checkpointId);
      sinceSnapshot = 0;
    }
    if (t.add(batch.records.length, bytes)) break;
  }
  if (seen < expected) t.finish(false, new Error(`the consumer ended after ${seen} of ${expected} records`));
  void partitions;
} catch (e) {
  t.finish(false, e);
}
exitSoon();
