import { afterEach, describe, expect, it, vi } from 'vitest';
import { FetchCrcWalker } from '../../../src/protocol/fetch-crc-walker.js';
import {
  CorruptError,
  decodeFetchRequestBody,
  decodeOffsetsRequestBody,
  EARLIEST_TIME,
  encodeFetchResponseBody,
  encodeMessageSet,
  encodeMetadataResponseBody,
  encodeOffsetsResponseBody,
  Reader,
} from '../../../src/protocol/index.js';
import { ApiKey } from '../../../src/protocol/request.js';
import { BrokerPool } from '../../../src/simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../../../src/simple-consumer/cluster-metadata.js';
import { FetchEngine } from '../../../src/simple-consumer/fetch-engine/index.js';
import { FakeBroker, type ReceivedRequest, responseFrame } from '../../helpers/fake-broker.js';

// CRCs of large messages are checked as a fetch answer arrives over the socket (FetchCrcWalker),
// and the hand-out verification skips them. A corrupt message must still surface from next() in
// its place, as a CorruptError naming its topic, partition and offset.

const TOPIC = 't';
const COUNT = 40;
const BAD = 25;

/** One entry per message, 3000-byte values; the entry at BAD has one value byte flipped. */
function log(): Buffer[] {
  return Array.from({ length: COUNT }, (_, i) => {
    const entry = encodeMessageSet([{ key: null, value: Buffer.alloc(3000, i) }], { baseOffset: BigInt(i) });
    if (i === BAD) entry.writeUInt8(entry.readUInt8(entry.length - 1) ^ 1, entry.length - 1);
    return entry;
  });
}

function handler(entries: Buffer[]) {
  return (req: ReceivedRequest): Promise<void> | undefined => {
    const body = new Reader(req.body);
    const conn = req.connection;
    if (req.apiKey === ApiKey.Metadata) {
      const host = '127.0.0.1';
      const port = (conn.socket.address() as { port: number }).port;
      return conn.write(
        responseFrame(req.correlationId, (w) =>
          encodeMetadataResponseBody(w, {
            brokers: [{ nodeId: 0, host, port }],
            topics: [
              {
                errorCode: 0,
                topic: TOPIC,
                partitions: [{ errorCode: 0, partition: 0, leader: 0, replicas: [0], isr: [0] }],
              },
            ],
          }),
        ),
      );
    }
    if (req.apiKey === ApiKey.Offsets) {
      const r = decodeOffsetsRequestBody(body);
      const p = r.topics[0]!.partitions[0]!;
      return conn.write(
        responseFrame(req.correlationId, (w) =>
          encodeOffsetsResponseBody(w, {
            topics: [
              {
                topic: TOPIC,
                partitions: [
                  { partition: 0, errorCode: 0, offsets: [p.timeMs === EARLIEST_TIME ? 0n : BigInt(COUNT)] },
                ],
              },
            ],
          }),
        ),
      );
    }
    if (req.apiKey !== ApiKey.Fetch) return undefined;
    const p = decodeFetchRequestBody(body).topics[0]!.partitions[0]!;
    // Whole entries from the offset asked for, then the cut start of the next, like a 0.8 broker.
    const rest = Buffer.concat(entries.slice(Number(p.fetchOffset)));
    const messageSet = rest.subarray(0, Math.min(rest.length, p.maxBytes));
    const frame = responseFrame(req.correlationId, (w) =>
      encodeFetchResponseBody(w, {
        topics: [
          {
            topic: TOPIC,
            partitions: [{ partition: 0, errorCode: 0, highWatermark: BigInt(COUNT), messageSet }],
          },
        ],
      }),
    );
    // Small writes: the answer reaches the client in many reads.
    return conn.writeInPieces(frame, 1500);
  };
}

let broker: FakeBroker | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await broker?.stop();
});

describe('CRCs checked in the socket read path', () => {
  it('hands out the messages before a corrupt one, then its CorruptError with topic, partition, offset', async () => {
    const claims: number[] = [];
    const real = FetchCrcWalker.prototype.checkedBytes;
    vi.spyOn(FetchCrcWalker.prototype, 'checkedBytes').mockImplementation(function (
      this: FetchCrcWalker,
      f,
      s,
    ) {
      const n = real.call(this, f, s);
      claims.push(n);
      return n;
    });
    broker = await FakeBroker.start({ handler: handler(log()) });
    const b = broker;
    const pool = new BrokerPool({
      clientId: 'crc-read-path',
      requestTimeoutMs: 2000,
      connectTimeoutMs: 1000,
    });
    const cluster = new ClusterMetadata({ seedBrokers: [{ host: b.host, port: b.port }], pool });
    const engine = new FetchEngine(cluster, {
      maxWaitMs: 20,
      fetchSizeBytes: 64 * 1024,
      // One entry per batch: the corrupt one is rejected alone.
      batchBytes: 1,
    });
    engine.on('error', () => undefined);
    const offsets: bigint[] = [];
    let error: unknown;
    try {
      engine.assign([{ topic: TOPIC, partition: 0, offset: 0n }]);
      for (;;) {
        const batch = await engine.next();
        batch.forEachMessage((offset) => offsets.push(offset));
      }
    } catch (err) {
      error = err;
    } finally {
      await engine.close();
      await pool.close();
    }
    expect(offsets).toEqual(Array.from({ length: BAD }, (_, i) => BigInt(i)));
    expect(error).toBeInstanceOf(CorruptError);
    expect(error).toMatchObject({ reason: 'bad-crc', topic: TOPIC, partition: 0, offset: BigInt(BAD) });
    // The walker did claim the entries before the corrupt one (otherwise this tests nothing new).
    expect(claims.some((n) => n > 0)).toBe(true);
  });
});
