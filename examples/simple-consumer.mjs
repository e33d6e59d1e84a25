// The classic Kafka 0.8 SimpleConsumer loop with kafka08's port: find the partition's leader,
// ask it for the earliest and latest offsets, then fetch and decode until the end.
//
//   KAFKA08_BROKERS=127.0.0.1:9092 node examples/simple-consumer.mjs <topic> [partition]
import { decodeMessageSet } from 'kafka08/protocol';
import { findLeader, SimpleConsumer } from 'kafka08/simple-consumer';

const [topic, partitionArg = '0'] = process.argv.slice(2);
if (topic === undefined) {
  console.error('usage: node examples/simple-consumer.mjs <topic> [partition]');
  process.exit(2);
}
const partition = Number(partitionArg);
const seeds = process.env.KAFKA08_BROKERS || '127.0.0.1:9092';

const { leader } = await findLeader(seeds, topic, partition);
const consumer = new SimpleConsumer({ host: leader.host, port: leader.port, clientId: 'example' });
try {
  let offset = await consumer.earliestOffset(topic, partition);
  const end = await consumer.latestOffset(topic, partition);
  while (offset < end) {
    const resp = await consumer.fetch({
      maxWaitMs: 100,
      minBytes: 1,
      topics: [{ topic, partitions: [{ partition, fetchOffset: offset, maxBytes: 1024 * 1024 }] }],
    });
    const p = resp.topics[0]?.partitions[0];
    if (p === undefined || p.errorCode !== 0) throw new Error(`fetch failed with error ${p?.errorCode}`);
    // Passing fetchOffset drops the earlier messages of a compressed wrapper the fetch landed in.
    const set = decodeMessageSet(p.messageSet, { fetchOffset: offset, topic, partition });
    for (const m of set.messages) {
      console.log(`${m.offset}\t${m.key?.toString() ?? ''}\t${m.value?.toString() ?? ''}`);
    }
    if (set.nextOffset === null) throw new Error(`a message at ${offset} is larger than the fetch size`);
    offset = set.nextOffset;
  }
} finally {
  await consumer.close();
}
