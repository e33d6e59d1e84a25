import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consumerMetadataRequest } from '../../../src/protocol/consumer-metadata.js';
import { ProtocolDecodeError } from '../../../src/protocol/errors.js';
import {
  decodeMetadataRequestBody,
  encodeMetadataResponseBody,
  type MetadataResponse,
  metadataRequest,
} from '../../../src/protocol/metadata.js';
import { Reader } from '../../../src/protocol/reader.js';
import { ApiKey } from '../../../src/protocol/request.js';
import { BrokerConnection, type BrokerConnectionOptions } from '../../../src/simple-consumer/connection.js';
import {
  ConnectionError,
  CorrelationMismatchError,
  FrameSizeError,
  NotKafkaError,
} from '../../../src/simple-consumer/errors.js';
import {
  FakeBroker,
  HTTP_BAD_REQUEST,
  type ReceivedRequest,
  responseFrame,
  sizePrefix,
  TLS_ALERT,
} from '../../helpers/fake-broker.js';
import { fireAndForget, requestText, textBody, textRequest } from './requests.js';

let broker: FakeBroker;
let conn: BrokerConnection;

function connect(options: Partial<BrokerConnectionOptions> = {}): BrokerConnection {
  conn = new BrokerConnection({ host: broker.host, port: broker.port, clientId: 'test-client', ...options });
  return conn;
}

/** Echoes the request's text back, upper-cased, as its answer. */
function echo(req: ReceivedRequest): Promise<void> {
  return req.connection.respond(req, textBody(requestText(req.body).toUpperCase()));
}

/** Resolves once the fake broker sees the client close its socket. */
function clientClosed(index = 0): Promise<void> {
  const socket = broker.connections[index]!.socket;
  if (socket.destroyed || socket.readableEnded) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

beforeEach(async () => {
  broker = await FakeBroker.start();
});

afterEach(async () => {
  await conn?.close();
  await broker.stop();
});

describe('BrokerConnection requests', () => {
  it('sends a well-formed frame and decodes the answer with the real Metadata codec', async () => {
    const answer: MetadataResponse = {
      brokers: [{ nodeId: 1, host: 'h1', port: 9092 }],
      topics: [
        {
          errorCode: 0,
          topic: 't',
          partitions: [{ errorCode: 0, partition: 0, leader: 1, replicas: [1], isr: [1] }],
        },
      ],
    };
    broker.handler = (req) => req.connection.respond(req, (w) => encodeMetadataResponseBody(w, answer));
    const got = await connect().send(metadataRequest({ topics: ['t'] }));
    expect(got).toEqual(answer);
    const [req] = broker.requests;
    expect(req).toMatchObject({ apiKey: ApiKey.Metadata, apiVersion: 0, clientId: 'test-client' });
    expect(decodeMetadataRequestBody(new Reader(req!.body))).toEqual({ topics: ['t'] });
  });

  it('reassembles a response the broker writes one byte at a time', async () => {
    const long = 'x'.repeat(300);
    broker.handler = (req) =>
      req.connection.writeInPieces(responseFrame(req.correlationId, textBody(long)), 1);
    await expect(connect().send(textRequest('a'))).resolves.toBe(long);
  });

  it('pipelines several requests and matches the answers, all arriving in one write, in order', async () => {
    connect();
    const sends = ['a', 'b', 'c', 'd'].map((t) => conn.send(textRequest(t)));
    const reqs = await broker.waitForRequests(4);
    expect(conn.inFlight).toBe(4);
    const ids = reqs.map((r) => r.correlationId);
    expect(ids.slice(1).every((id, i) => id > ids[i]!)).toBe(true);
    await reqs[0]!.connection.write(
      Buffer.concat(reqs.map((r) => responseFrame(r.correlationId, textBody(`${requestText(r.body)}!`)))),
    );
    await expect(Promise.all(sends)).resolves.toEqual(['a!', 'b!', 'c!', 'd!']);
    expect(broker.connections).toHaveLength(1);
    expect(conn.inFlight).toBe(0);
  });

  it('wraps the correlation id before 2^31, skipping 0', async () => {
    broker.handler = echo;
    connect({ firstCorrelationId: 0x7ffffffe });
    for (const t of ['a', 'b', 'c']) await conn.send(textRequest(t));
    expect(broker.requests.map((r) => r.correlationId)).toEqual([0x7ffffffe, 0x7fffffff, 1]);
  });

  it('fails every in-flight request and drops the connection on an out-of-order answer', async () => {
    connect();
    const sends = ['a', 'b'].map((t) => conn.send(textRequest(t)).catch((e: unknown) => e));
    const [first, second] = await broker.waitForRequests(2);
    const closed = clientClosed();
    await first!.connection.respond(second!, textBody('B'));
    for (const s of sends) {
      const err = await s;
      expect(err).toBeInstanceOf(CorrelationMismatchError);
      expect(err).toMatchObject({ expected: first!.correlationId, received: second!.correlationId });
    }
    await closed;
    expect(conn.state).toBe('idle');
  });

  it('treats an answer with nothing in flight as a mismatch', async () => {
    broker.handler = echo;
    connect();
    await conn.send(textRequest('a'));
    const disconnected = new Promise((resolve) => conn.once('disconnect', resolve));
    await broker.connections[0]!.respond(77, textBody('unsolicited'));
    const err = await disconnected;
    expect(err).toBeInstanceOf(CorrelationMismatchError);
    expect(err).toMatchObject({ expected: undefined, received: 77 });
  });

  it('accepts correlation id 0 for ConsumerMetadata only (0.8.2 error-path quirk)', async () => {
    broker.handler = (req) =>
      req.connection.respond(0, (w) => {
        w.int16(15).int32(-1).string('').int32(-1);
      });
    connect();
    await expect(conn.send(consumerMetadataRequest({ consumerGroup: 'g' }))).resolves.toEqual({
      errorCode: 15,
      coordinatorId: -1,
      coordinatorHost: '',
      coordinatorPort: -1,
    });
    await expect(conn.send(textRequest('metadata'))).rejects.toBeInstanceOf(CorrelationMismatchError);
  });

  it('fails only the request whose answer cannot be decoded, and keeps the connection', async () => {
    broker.handler = (req) => {
      const text = requestText(req.body);
      // A trailing byte the decoder's expectEnd must refuse.
      if (text === 'bad') return req.connection.respond(req, Buffer.from([0, 1, 0x41, 0xff]));
      return echo(req);
    };
    connect();
    const bad = conn.send(textRequest('bad')).catch((e: unknown) => e);
    const good = conn.send(textRequest('good'));
    expect(await bad).toBeInstanceOf(ProtocolDecodeError);
    await expect(good).resolves.toBe('GOOD');
    await expect(conn.send(textRequest('again'))).resolves.toBe('AGAIN');
    expect(broker.connections).toHaveLength(1);
    expect(conn.state).toBe('connected');
  });

  it('contains a decoder that throws something other than a ProtocolDecodeError', async () => {
    broker.handler = echo;
    const request = {
      ...textRequest('a'),
      decodeResponse: (): string => Buffer.alloc(1).readInt32BE(0).toString(),
    };
    const err = await connect()
      .send(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolDecodeError);
    expect((err as Error).cause).toBeInstanceOf(RangeError);
    await expect(conn.send(textRequest('b'))).resolves.toBe('B');
  });

  it('resolves a request that expects no response (acks=0) once written, taking no response slot', async () => {
    broker.handler = (req) => (req.apiKey === ApiKey.Produce ? undefined : echo(req));
    connect();
    await expect(conn.send(fireAndForget('p1'))).resolves.toBeUndefined();
    const after = conn.send(textRequest('m'));
    await expect(conn.send(fireAndForget('p2'))).resolves.toBeUndefined();
    await expect(after).resolves.toBe('M');
    const seen = await broker.waitForRequests(3);
    expect(seen.map((r) => requestText(r.body))).toEqual(['p1', 'm', 'p2']);
  });

  it.each([
    ['a negative size', sizePrefix(-5), -5],
    ['a size below 4', sizePrefix(3), 3],
    ['a 2 GiB size over a 1 KiB maximum', sizePrefix(0x7fffffff), 0x7fffffff],
  ])('rejects %s and drops the connection', async (_name, bytes, size) => {
    broker.handler = (req) => req.connection.write(bytes);
    connect({ maxResponseBytes: 1024 });
    const err = await conn.send(textRequest('a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameSizeError);
    expect(err).toMatchObject({ size, maxBytes: 1024, host: broker.host, port: broker.port });
    await clientClosed();
  });

  it.each([
    ['HTTP', HTTP_BAD_REQUEST],
    ['TLS', TLS_ALERT],
  ])('says the peer is not Kafka when it answers with %s', async (protocol, bytes) => {
    broker.handler = (req) => req.connection.write(bytes);
    const err = await connect()
      .send(textRequest('a'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotKafkaError);
    expect((err as NotKafkaError).protocol).toBe(protocol);
    expect((err as Error).message).toContain(
      `this does not look like a Kafka broker: it answered with ${protocol}`,
    );
  });

  it('reports a connection cut in the middle of a response frame', async () => {
    broker.handler = async (req) => {
      const frame = responseFrame(req.correlationId, textBody('truncated answer'));
      await req.connection.write(frame.subarray(0, 10));
      req.connection.destroy();
    };
    const err = await connect()
      .send(textRequest('a'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).not.toBeInstanceOf(FrameSizeError);
    expect((err as Error).message).toContain('mid-frame (6 of 22 bytes received)');
  });

  it('reports a clean close by the broker with requests in flight', async () => {
    broker.handler = (req) => req.connection.end();
    const err = await connect()
      .send(textRequest('a'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toContain('closed by the broker');
  });
});
