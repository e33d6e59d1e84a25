import { Codec } from '../protocol/compression/index.js';
import type { MessageToEncode } from '../protocol/message-set-encode.js';
import type { LocalKafka } from '../rig/index.js';
import { withSession } from './session.js';

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
 * own Produce v0 encoder, snappy-compressed, acks 1, to each partition's leader.
 */
export async function produceWithKafka08(
  brokers: string,
  topic: string,
  messages: number,
  onProgress: (sent: number) => void,
): Promise<number> {
  return withSession(brokers, async (s) => {
    const partitions = (await s.metadata.partitionsFor(topic)).length;
    const perRequest = 5_000;
    for (let from = 0; from < messages; from += perRequest) {
      const to = Math.min(messages, from + perRequest);
      const byPartition = new Map<number, MessageToEncode[]>();
      for (let i = from; i < to; i++) {
        const r = demoRecord(i, partitions);
        const message = { key: Buffer.from(r.key), value: Buffer.from(r.value) };
        const list = byPartition.get(r.partition);
        if (list === undefined) byPartition.set(r.partition, [message]);
        else list.push(message);
      }
      await Promise.all(
        [...byPartition].map(([p, msgs]) => s.produceTo(topic, p, msgs, { codec: Codec.Snappy, acks: 1 })),
      );
      onProgress(to);
    }
    return partitions;
  });
}
