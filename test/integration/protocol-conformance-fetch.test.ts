/**
 * Real-broker conformance of the consumer path: data written by Kafka's own JVM producer, in
 * every codec the version supports, fetched raw over BrokerConnection with our Fetch codec and
 * decoded by decodeMessageSet, must be exactly what was produced; fetches starting inside a
 * compressed wrapper, fetches cut by a small maxBytes, fetches at and past the log end, and the
 * Offsets API must all behave as the protocol says.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeMessageSet,
  EARLIEST_TIME,
  ErrorCode,
  type FetchResponsePartition,
  fetchRequest,
  LATEST_TIME,
  type Message,
  offsetsRequest,
} from '../../src/protocol/index.js';
import { type KafkaVersion, type RigRecord, supportedCompressions } from '../../src/rig/index.js';
import { BrokerConnection } from '../../src/simple-consumer/connection.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

const BIG = Buffer.alloc(300_000, 'kafka08 large value ');

/** Two producer calls: with a codec each becomes one wrapper (offsets 0-4 and 5-9). */
const BATCH_A: RigRecord[] = [
  { key: 'k0', value: 'v0' },
  { key: null, value: 'no key' },
  { key: 'tombstone', value: null },
  { key: '', value: '' },
  { key: 'big', value: BIG },
];
const BATCH_B: RigRecord[] = [
  { key: 'k5', value: 'v5' },
  { key: null, value: null },
  { key: 'k7', value: 'grüße ✓' },
  { key: 'k8', value: 'v8' },
  { key: 'k9', value: 'v9' },
];
const ALL = [...BATCH_A, ...BATCH_B];

interface Plain {
  offset: bigint;
  key: string | null;
  value: string | null;
}

const asBuf = (v: Buffer | string | null | undefined): Buffer | null =>
  v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');

function want(from: number): Plain[] {
  return ALL.map((r, i) => ({
    offset: BigInt(i),
    key: asBuf(r.key)?.toString('latin1') ?? null,
    value: asBuf(r.value)?.toString('latin1') ?? null,
  })).slice(from);
}

function plain(ms: readonly Message[]): Plain[] {
  return ms.map((m) => ({
    offset: m.offset,
    key: m.key?.toString('latin1') ?? null,
    value: m.value?.toString('latin1') ?? null,
  }));
}

const connections: BrokerConnection[] = [];
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
});

function connect(version: KafkaVersion): BrokerConnection {
  const [b] = sharedCluster(version).brokerList;
  if (!b) throw new Error(`shared ${version} cluster has no broker`);
  const c = new BrokerConnection({ host: b.host, port: b.port, clientId: 'kafka08-conformance' });
  connections.push(c);
  return c;
}

async function fetchOne(
  c: BrokerConnection,
  topic: string,
  fetchOffset: bigint,
  maxBytes: number,
): Promise<FetchResponsePartition> {
  const resp = await c.send(
    fetchRequest({
      maxWaitMs: 0,
      minBytes: 0,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset, maxBytes }] }],
    }),
  );
  expect(resp.topics.map((t) => t.topic)).toEqual([topic]);
  const p = resp.topics[0]?.partitions[0];
  if (!p || resp.topics[0]?.partitions.length !== 1) throw new Error('expected exactly one partition');
  expect(p.partition).toBe(0);
  return p;
}

async function offsetsOf(c: BrokerConnection, topic: string, timeMs: bigint): Promise<bigint[]> {
  const resp = await c.send(
    offsetsRequest({ topics: [{ topic, partitions: [{ partition: 0, timeMs, maxNumberOfOffsets: 1 }] }] }),
  );
  const p = resp.topics[0]?.partitions[0];
  expect(p?.errorCode).toBe(ErrorCode.NONE);
  return p?.offsets ?? [];
}

describe.each(['0.8.2.2', '0.8.1.1'] as const)(
  'Kafka %s: JVM-produced data through our Fetch codec',
  (version) => {
    it.each(supportedCompressions(version))('codec %s', async (compression) => {
      const k = sharedCluster(version);
      const topic = uniqueTopic(`conf-fetch-${compression}`);
      await k.createTopic({ name: topic, partitions: 1 });
      await k.produce(topic, BATCH_A, { compression });
      await k.produce(topic, BATCH_B, { compression });
      const c = connect(version);

      // Everything in one fetch.
      const all = await fetchOne(c, topic, 0n, 4 * 1024 * 1024);
      expect(all.errorCode).toBe(ErrorCode.NONE);
      expect(all.highWatermark).toBe(10n);
      const decoded = decodeMessageSet(all.messageSet, { fetchOffset: 0n, topic, partition: 0 });
      expect(plain(decoded.messages)).toEqual(want(0));
      expect(decoded.partialTail).toBe(false);
      expect(decoded.nextOffset).toBe(10n);

      // Starting inside a wrapper (offsets 2 and 7): the broker sends whole wrappers, the decoder
      // drops what lies below the fetch offset.
      for (const from of [2, 7]) {
        const p = await fetchOne(c, topic, BigInt(from), 4 * 1024 * 1024);
        const got = decodeMessageSet(p.messageSet, { fetchOffset: BigInt(from) });
        expect(plain(got.messages)).toEqual(want(from));
        if (compression !== 'none') {
          // The raw set starts at the wrapper's first message, not at `from`.
          const raw = decodeMessageSet(p.messageSet);
          expect(raw.messages[0]?.offset).toBe(from < 5 ? 0n : 5n);
        }
      }

      // A small maxBytes: partial tails, growing to the entry size when nothing fits, and
      // resuming from nextOffset, with nothing lost or repeated.
      const collected: Message[] = [];
      let offset = 0n;
      let maxBytes = 200;
      let partialTails = 0;
      for (let round = 0; round < 50 && offset < 10n; round++) {
        const p = await fetchOne(c, topic, offset, maxBytes);
        expect(p.errorCode).toBe(ErrorCode.NONE);
        expect(p.messageSet.length).toBeLessThanOrEqual(maxBytes);
        const d = decodeMessageSet(p.messageSet, { fetchOffset: offset });
        if (d.partialTail) partialTails++;
        if (d.nextOffset === null) {
          expect(d.firstEntrySize).toBeGreaterThan(maxBytes);
          maxBytes = d.firstEntrySize ?? maxBytes * 2;
          continue;
        }
        collected.push(...d.messages);
        offset = d.nextOffset;
        maxBytes = 200;
      }
      expect(plain(collected)).toEqual(want(0));
      expect(partialTails).toBeGreaterThan(0);

      // At the log end: no error, an empty set. Past it: OffsetOutOfRange.
      const atEnd = await fetchOne(c, topic, 10n, 1024);
      expect([atEnd.errorCode, atEnd.highWatermark, atEnd.messageSet.length]).toEqual([
        ErrorCode.NONE,
        10n,
        0,
      ]);
      const past = await fetchOne(c, topic, 11n, 1024);
      expect(past.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
      expect(past.messageSet.length).toBe(0);

      expect(await offsetsOf(c, topic, EARLIEST_TIME)).toEqual([0n]);
      expect(await offsetsOf(c, topic, LATEST_TIME)).toEqual([10n]);
    });
  },
);
