// PersistentKafkaSource, Flink's checkpoint-committing source: read in batches, take a checkpoint
// after each batch, and commit the checkpoint's offsets to ZooKeeper once it "completed". A
// restarted source with the same group resumes after the last completed checkpoint.
//
//   KAFKA08_BROKERS=127.0.0.1:9092 KAFKA08_ZOOKEEPER=127.0.0.1:2181 \
//     node examples/persistent-kafka-source.mjs <topic> [group]
import { PersistentKafkaSource, SimpleStringSchema } from 'kafka08';

const [topic, group = 'example-persistent'] = process.argv.slice(2);
if (topic === undefined) {
  console.error('usage: node examples/persistent-kafka-source.mjs <topic> [group]');
  process.exit(2);
}

const source = new PersistentKafkaSource(topic, new SimpleStringSchema({ endMarker: 'END' }), {
  'bootstrap.servers': process.env.KAFKA08_BROKERS || '127.0.0.1:9092',
  'zookeeper.connect': process.env.KAFKA08_ZOOKEEPER || '127.0.0.1:2181',
  'group.id': group,
  'auto.offset.reset': 'smallest', // a group with nothing committed starts at the beginning
});
let checkpointId = 0;
try {
  for (let batch = await source.nextBatch(); batch !== undefined; batch = await source.nextBatch()) {
    for (const line of batch.records) console.log(line);
    // Snapshot right after applying the batch: it records exactly what was printed.
    checkpointId++;
    source.snapshotState(checkpointId);
    await source.notifyCheckpointComplete(checkpointId); // commits to ZooKeeper
  }
} finally {
  await source.close();
}
