import { afterEach, describe, expect, it } from 'vitest';
import { encodeFetchResponseBody } from '../../../src/protocol/fetch.js';
import { encodeMetadataResponseBody } from '../../../src/protocol/metadata.js';
import {
  decodeOffsetCommitRequestBody,
  encodeOffsetCommitResponseBody,
} from '../../../src/protocol/offset-commit.js';
import { decodeOffsetsRequestBody, encodeOffsetsResponseBody } from '../../../src/protocol/offsets.js';
import { Reader } from '../../../src/protocol/reader.js';
import { ApiKey } from '../../../src/protocol/request.js';
import {
  ConnectionError,
  InvalidSeedBrokersError,
  MissingOffsetError,
  RequestTimeoutError,
  UnsupportedByBrokerVersionError,
} from '../../../src/simple-consumer/errors.js';
import { FetchRequestBuilder } from '../../../src/simple-consumer/fetch-request-builder.js';
import { parseSeedBrokers } from '../../../src/simple-consumer/seed-brokers.js';
import { SimpleConsumer, type SimpleConsumerOptions } from '../../../src/simple-consumer/simple-consumer.js';
import { FakeBroker, type RequestHandler } from '../../helpers/fake-broker.js';

let broker: FakeBroker;
let consumer: SimpleConsumer | undefined;

afterEach(async () => {
  await consumer?.close();
  consumer = undefined;
  await broker?.stop();
});

async function start(
  handler: RequestHandler,
  opts: Partial<SimpleConsumerOptions> = {},
): Promise<SimpleConsumer> {
  broker = await FakeBroker.start({ handler });
  consumer = new SimpleConsumer({
    host: broker.host,
    port: broker.port,
    soTimeoutMs: 2000,
    clientId: 'sc-unit',
    backoff: { baseMs: 1, maxMs: 5 },
    ...opts,
  });
  return consumer;
}

const emptyMetadata = (w: Parameters<typeof encodeMetadataResponseBody>[0]) =>
  encodeMetadataResponseBody(w, { brokers: [], topics: [] });

describe('SimpleConsumer against a fake broker', () => {
  it('refuses 0.8.2-only requests for a 0.8.1 broker without sending a byte, but sends v0 commits', async () => {
    const c = await start(
      (req) => req.connection.respond(req, (w) => encodeOffsetCommitResponseBody(w, { topics: [] })),
      { brokerVersion: '0.8.1' },
    );
    await expect(c.consumerMetadata('g')).rejects.toBeInstanceOf(UnsupportedByBrokerVersionError);
    await expect(c.fetchOffsets({ version: 1, consumerGroupId: 'g', topics: [] })).rejects.toMatchObject({
      request: 'OffsetFetch v1',
    });
    await expect(
      c.commitOffsets({
        version: 1,
        consumerGroupId: 'g',
        consumerGroupGenerationId: -1,
        consumerId: '',
        topics: [],
      }),
    ).rejects.toBeInstanceOf(UnsupportedByBrokerVersionError);
    expect(broker.connections).toHaveLength(0);
    await c.commitOffsets({
      version: 0,
      consumerGroupId: 'g',
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: 5n, metadata: '' }] }],
    });
    const [req] = await broker.waitForRequests(1);
    expect(req).toMatchObject({ apiKey: ApiKey.OffsetCommit, apiVersion: 0, clientId: 'sc-unit' });
    expect(decodeOffsetCommitRequestBody(new Reader(req!.body), 0)).toMatchObject({
      version: 0,
      consumerGroupId: 'g',
    });
  });

  it('rejects an unknown broker version at construction', () => {
    expect(
      () => new SimpleConsumer({ host: 'h', port: 1, brokerVersion: '0.9' as unknown as '0.8.2' }),
    ).toThrow(RangeError);
  });

  it('sends a request once more on a fresh connection when the first connection breaks (as Java does)', async () => {
    const c = await start((req) => {
      if (req.connection.index === 0) req.connection.destroy();
      else return req.connection.respond(req, emptyMetadata);
    });
    expect(await c.send(['t'])).toEqual({ brokers: [], topics: [] });
    // The hang-up also made the connection ask ApiVersions once, on a connection of its own
    // (is this a Kafka 4.0 broker?); the answer here is no ApiVersions answer at all.
    expect(broker.requests.filter((r) => r.apiKey !== ApiKey.ApiVersions)).toHaveLength(2);
    expect(broker.connections).toHaveLength(3);
  });

  it('gives up after the second broken connection', async () => {
    const c = await start((req) => req.connection.destroy());
    await expect(c.send([])).rejects.toBeInstanceOf(ConnectionError);
    expect(broker.requests.filter((r) => r.apiKey !== ApiKey.ApiVersions)).toHaveLength(2);
  });

  it('does not retry a timeout, and gives a fetch maxWaitMs on top of soTimeoutMs', async () => {
    const late: RequestHandler = (req) => {
      setTimeout(() => {
        const body =
          req.apiKey === ApiKey.Fetch
            ? (w: Parameters<typeof encodeFetchResponseBody>[0]) => encodeFetchResponseBody(w, { topics: [] })
            : emptyMetadata;
        void req.connection.respond(req, body);
      }, 600);
    };
    const c = await start(late, { soTimeoutMs: 300 });
    await expect(c.send([])).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(broker.requests).toHaveLength(1);
    const resp = await c.fetch(
      new FetchRequestBuilder().maxWait(700).minBytes(1).addFetch('t', 0, 0n, 1024).build(),
    );
    expect(resp).toEqual({ topics: [] });
  });

  it('earliest/latest send Offsets v0 with Max 1 and time -2 / -1, and throw partition errors with context', async () => {
    const c = await start((req) => {
      const q = decodeOffsetsRequestBody(new Reader(req.body));
      const p = q.topics[0]!.partitions[0]!;
      const errorCode = p.partition === 3 ? 6 : 0;
      const offsets = p.partition === 2 ? [] : p.timeMs === -2n ? [10n] : [99n, 10n];
      return req.connection.respond(req, (w) =>
        encodeOffsetsResponseBody(w, {
          topics: [
            {
              topic: 't',
              partitions: [{ partition: p.partition, errorCode, offsets: errorCode ? [] : offsets }],
            },
          ],
        }),
      );
    });
    expect(await c.earliestOffset('t', 0)).toBe(10n);
    expect(await c.latestOffset('t', 0)).toBe(99n);
    const sent = broker.requests.map(
      (r) => decodeOffsetsRequestBody(new Reader(r.body)).topics[0]!.partitions[0],
    );
    expect(sent).toEqual([
      { partition: 0, timeMs: -2n, maxNumberOfOffsets: 1 },
      { partition: 0, timeMs: -1n, maxNumberOfOffsets: 1 },
    ]);
    await expect(c.latestOffset('t', 2)).rejects.toBeInstanceOf(MissingOffsetError);
    await expect(c.latestOffset('t', 3)).rejects.toMatchObject({ code: 6, topic: 't', partition: 3 });
  });

  it('treats bufferSize as the Java socket hint only: larger responses still arrive whole', async () => {
    const set = Buffer.alloc(200_000, 7);
    const c = await start(
      (req) =>
        req.connection.respond(req, (w) =>
          encodeFetchResponseBody(w, {
            topics: [
              {
                topic: 't',
                partitions: [{ partition: 0, errorCode: 0, highWatermark: 1n, messageSet: set }],
              },
            ],
          }),
        ),
      { bufferSize: 1024 },
    );
    const resp = await c.fetch(new FetchRequestBuilder().addFetch('t', 0, 0n, 300_000).build());
    expect(resp.topics[0]?.partitions[0]?.messageSet.equals(set)).toBe(true);
    expect(c.bufferSize).toBe(1024);
  });
});

describe('FetchRequestBuilder', () => {
  it('groups partitions by topic and defaults like Java (maxWait 0, minBytes 0, replica -1)', () => {
    const req = new FetchRequestBuilder()
      .addFetch('a', 0, 5, 100)
      .addFetch('b', 1, 6n, 200)
      .addFetch('a', 2, 7n, 300)
      .build();
    expect(req).toEqual({
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      topics: [
        {
          topic: 'a',
          partitions: [
            { partition: 0, fetchOffset: 5n, maxBytes: 100 },
            { partition: 2, fetchOffset: 7n, maxBytes: 300 },
          ],
        },
        { topic: 'b', partitions: [{ partition: 1, fetchOffset: 6n, maxBytes: 200 }] },
      ],
    });
  });
});

describe('parseSeedBrokers', () => {
  it('reads metadata.broker.list strings, IPv6 in brackets, and drops duplicates', () => {
    expect(parseSeedBrokers(' a:9092, b:9093 ,a:9092,[::1]:9094')).toEqual([
      { host: 'a', port: 9092 },
      { host: 'b', port: 9093 },
      { host: '::1', port: 9094 },
    ]);
    expect(parseSeedBrokers([{ host: 'x', port: 1 }])).toEqual([{ host: 'x', port: 1 }]);
  });

  it.each(['', 'a', 'a:0', 'a:70000', ':9092', 'a:b'])('rejects %j', (s) => {
    expect(() => parseSeedBrokers(s)).toThrow(InvalidSeedBrokersError);
  });
});
