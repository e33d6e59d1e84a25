import { Producer } from '../producer/index.js';
import type { LocalKafka } from '../rig/index.js';

/** The demo's data set: message i goes to partition i % partitions and carries its sequence number. */
export function demoRecord(i: number, partitions: number): { partition: number; key: string; value: string } {
  return { partition: i % partitions, key: `k${i}`, value: JSON.stringify({ seq: i }) };
}

const CHUNK = 50_000;

/**
 * Writes the data set with Kafka's own JVM producer from the rig, so what the demo reads was
 * not written by the code under test.
 */
export async function produceWithRig(
  kafka: LocalKafka,
  topic: string,
  messages: number,
  partitions: number,
  onProgress: (sent: number) => void,
): Promise<void> {
  for (let from = 0; from < messages; from += CHUNK) {
    const to = Math.min(messages, from + CHUNK);
    const records = [];
    for (let i = from; i < to; i++) records.push(demoRecord(i, partitions));
    await kafka.produce(topic, records, { compression: 'snappy' });
    onProgress(to);
  }
}

/**
 * Against a cluster of the user's (KAFKA08_BROKERS) there is no JVM at hand: produce with our
 * own Producer, snappy-compressed, acks 1, each record to its demo partition.
 */
export async function produceWithKafka08(
  brokers: string,
  topic: string,
  messages: number,
  onProgress: (sent: number) => void,
): Promise<number> {
  const producer = new Producer({
    bootstrapServers: brokers,
    clientId: 'kafka08-cli',
    compressionType: 'snappy',
    retries: 10,
    retryBackoffMs: 250,
  });
  try {
    const partitions = await producer.partitionCount(topic);
    const perStep = 5_000;
    for (let from = 0; from < messages; from += perStep) {
      const to = Math.min(messages, from + perStep);
      const records = [];
      for (let i = from; i < to; i++) records.push({ topic, ...demoRecord(i, partitions) });
      await producer.sendBatch(records);
      onProgress(to);
    }
    return partitions;
  } finally {
    await producer.close();
  }
}
