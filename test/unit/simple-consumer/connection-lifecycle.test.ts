import { once } from 'node:events';
import { createServer, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerConnection, type BrokerConnectionOptions } from '../../../src/simple-consumer/connection.js';
import {
  ConnectionClosedError,
  ConnectionError,
  ConnectTimeoutError,
  RequestAbortedError,
  RequestTimeoutError,
} from '../../../src/simple-consumer/errors.js';
import { FakeBroker, type ReceivedRequest } from '../../helpers/fake-broker.js';
import { requestText, textBody, textRequest } from './requests.js';

let broker: FakeBroker;
let conn: BrokerConnection | undefined;

function connect(options: Partial<BrokerConnectionOptions> = {}): BrokerConnection {
  conn = new BrokerConnection({ host: broker.host, port: broker.port, ...options });
  return conn;
}

function echo(req: ReceivedRequest): Promise<void> {
  return req.connection.respond(req, textBody(requestText(req.body).toUpperCase()));
}

function closedByClient(index: number): Promise<void> {
  const socket = broker.connections[index]!.socket;
  if (socket.destroyed || socket.readableEnded) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** A clock that moves only when the connection sleeps, so backoff waits are exact and instant. */
function manualClock(): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

/** A TCP port on loopback that nothing listens on. */
async function refusedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeEach(async () => {
  broker = await FakeBroker.start();
  conn = undefined;
});

afterEach(async () => {
  await conn?.close();
  await broker.stop();
});

describe('BrokerConnection timeouts and aborts', () => {
  it('times a request out, destroys the connection, and fails the others with a plain ConnectionError', async () => {
    connect({ requestTimeoutMs: 5_000 });
    const slow = conn!.send(textRequest('slow'), { timeoutMs: 50 }).catch((e: unknown) => e);
    const other = conn!.send(textRequest('other')).catch((e: unknown) => e);
    await broker.waitForRequests(2);
    const err = await slow;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ timeoutMs: 50, correlationId: broker.requests[0]!.correlationId });
    const otherErr = await other;
    expect(otherErr).toBeInstanceOf(ConnectionError);
    expect(otherErr).not.toBeInstanceOf(RequestTimeoutError);
    expect((otherErr as Error).cause).toBe(err);
    await closedByClient(0);
    // The next send opens a fresh connection, which works.
    broker.handler = echo;
    await expect(conn!.send(textRequest('next'))).resolves.toBe('NEXT');
    expect(broker.connections).toHaveLength(2);
  });

  it('does not let a late answer to a timed-out request reach the next request', async () => {
    connect();
    const first = conn!.send(textRequest('first'), { timeoutMs: 30 });
    const [req] = await broker.waitForRequests(1);
    await expect(first).rejects.toBeInstanceOf(RequestTimeoutError);
    broker.handler = echo;
    const second = conn!.send(textRequest('second'));
    await req!.connection.respond(req!, textBody('LATE'));
    await expect(second).resolves.toBe('SECOND');
  });

  it('aborts an in-flight request and destroys the connection', async () => {
    connect();
    const ac = new AbortController();
    const pending = conn!.send(textRequest('a'), { signal: ac.signal });
    await broker.waitForRequests(1);
    ac.abort(new Error('user gave up'));
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestAbortedError);
    expect(err).not.toBeInstanceOf(ConnectionError);
    expect(((err as Error).cause as Error).message).toBe('user gave up');
    await closedByClient(0);
  });

  it('rejects an already-aborted send without connecting', async () => {
    connect();
    await expect(conn!.send(textRequest('a'), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      RequestAbortedError,
    );
    expect(conn!.state).toBe('idle');
    expect(broker.connections).toHaveLength(0);
  });

  it('times out while still waiting to connect, without a correlation id', async () => {
    const never = new Socket();
    connect({ createSocket: () => never, connectTimeoutMs: 10_000 });
    const err = await conn!.send(textRequest('a'), { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ correlationId: undefined, timeoutMs: 30 });
  });
});

describe('BrokerConnection connecting', () => {
  it('connects lazily, on the first send', async () => {
    broker.handler = echo;
    connect();
    expect(conn!.state).toBe('idle');
    const connected = once(conn!, 'connect');
    await expect(conn!.send(textRequest('a'))).resolves.toBe('A');
    await connected;
    expect(conn!.state).toBe('connected');
  });

  it('reports a refused connection as a ConnectionError carrying the address and the cause', async () => {
    const port = await refusedPort();
    conn = new BrokerConnection({ host: '127.0.0.1', port });
    const err = await conn.send(textRequest('a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ host: '127.0.0.1', port });
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  // A hostile Metadata answer once named port 151034123: Node threw from connect() after opening
  // the socket's handle, and the socket stayed open ("connecting") after close().
  it.each([
    ['127.0.0.1', 151034123],
    ['127.0.0.1', 0],
    ['127.0.0.1', -1],
    ['127.0.0\ufffd1', 9092],
    ['', 9092],
    ['bad host', 9092],
  ])('refuses the address %j:%j with a ConnectionError, leaving no socket open', async (host, port) => {
    const opened: Socket[] = [];
    const real = Socket.prototype.connect;
    Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
      opened.push(this);
      return (real as (...a: unknown[]) => Socket).apply(this, args);
    } as typeof Socket.prototype.connect;
    try {
      conn = new BrokerConnection({ host, port, connectTimeoutMs: 60_000 });
      const err = await conn.send(textRequest('a'), { timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err).toMatchObject({ host, port });
    } finally {
      Socket.prototype.connect = real;
    }
    expect(opened.filter((s) => !s.destroyed)).toEqual([]);
  });

  it('turns a socket factory that throws into a ConnectionError', async () => {
    connect({
      createSocket: () => {
        throw new RangeError('no');
      },
    });
    const err = await conn!.send(textRequest('a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).cause).toBeInstanceOf(RangeError);
  });

  // The socket factory seam gives a socket that never connects; connect-timeout.test.ts does the
  // same against a real listener whose accept queue is full.
  it('gives up connecting after connectTimeoutMs', async () => {
    const never = new Socket();
    connect({ createSocket: () => never, connectTimeoutMs: 40 });
    const err = await conn!.send(textRequest('a'), { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectTimeoutError);
    expect(err).toMatchObject({ timeoutMs: 40 });
    expect(never.destroyed).toBe(true);
  });

  it('waits out an exponentially growing backoff between failed connection attempts', async () => {
    const clock = manualClock();
    const port = await refusedPort();
    conn = new BrokerConnection({
      host: '127.0.0.1',
      port,
      now: clock.now,
      sleep: clock.sleep,
      backoff: { baseMs: 100, maxMs: 1000, jitter: 'none' },
    });
    for (let i = 0; i < 5; i++)
      await expect(conn.send(textRequest('a'))).rejects.toBeInstanceOf(ConnectionError);
    // No wait before the first attempt; then each failure doubles the wait, up to the cap.
    expect(clock.sleeps).toEqual([100, 200, 400, 800]);
  });

  it('applies jitter from the injected random source', async () => {
    const clock = manualClock();
    const port = await refusedPort();
    conn = new BrokerConnection({
      host: '127.0.0.1',
      port,
      now: clock.now,
      sleep: clock.sleep,
      backoff: { baseMs: 100, maxMs: 1000, jitter: 'full', random: () => 0.5 },
    });
    for (let i = 0; i < 3; i++)
      await expect(conn.send(textRequest('a'))).rejects.toBeInstanceOf(ConnectionError);
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('reconnects after the broker cuts the connection, after the backoff, and resets it on a response', async () => {
    const clock = manualClock();
    broker.handler = echo;
    connect({ now: clock.now, sleep: clock.sleep, backoff: { baseMs: 100, maxMs: 1000, jitter: 'none' } });
    const events: string[] = [];
    conn!.on('connect', () => events.push('connect'));
    conn!.on('disconnect', (e) => events.push(`disconnect:${e.constructor.name}`));
    await expect(conn!.send(textRequest('a'))).resolves.toBe('A');

    const disconnected = once(conn!, 'disconnect');
    broker.connections[0]!.destroy();
    await disconnected;
    expect(conn!.state).toBe('idle');
    await expect(conn!.send(textRequest('b'))).resolves.toBe('B');
    expect(clock.sleeps).toEqual([100]);
    expect(broker.connections).toHaveLength(2);

    // The answer on the new connection reset the backoff: the next cut waits the base again.
    const again = once(conn!, 'disconnect');
    broker.connections[1]!.destroy();
    await again;
    await expect(conn!.send(textRequest('c'))).resolves.toBe('C');
    expect(clock.sleeps).toEqual([100, 100]);
    expect(events).toEqual([
      'connect',
      'disconnect:ClosedByBrokerError',
      'connect',
      'disconnect:ClosedByBrokerError',
      'connect',
    ]);
  });

  it('keeps backing off from a broker that accepts and then drops every connection', async () => {
    const clock = manualClock();
    broker.onConnection = (c) => c.destroy();
    connect({ now: clock.now, sleep: clock.sleep, backoff: { baseMs: 100, maxMs: 1000, jitter: 'none' } });
    for (let i = 0; i < 3; i++)
      await expect(conn!.send(textRequest('a'))).rejects.toBeInstanceOf(ConnectionError);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('really waits for the backoff with the default timers', async () => {
    broker.handler = echo;
    connect({ backoff: { baseMs: 60, maxMs: 60, jitter: 'none' } });
    await conn!.send(textRequest('a'));
    const disconnected = once(conn!, 'disconnect');
    broker.connections[0]!.destroy();
    await disconnected;
    const cutAt = performance.now();
    await conn!.send(textRequest('b'));
    const waited = performance.now() - cutAt;
    // A lower bound only: the reconnect may not happen before the backoff has passed.
    expect(waited).toBeGreaterThanOrEqual(55);
  });
});

describe('BrokerConnection close', () => {
  it('rejects in-flight requests with ConnectionClosedError and refuses later sends', async () => {
    connect();
    const pending = conn!.send(textRequest('a')).catch((e: unknown) => e);
    await broker.waitForRequests(1);
    const closedEvent = once(conn!, 'close');
    await conn!.close();
    await closedEvent;
    expect(await pending).toBeInstanceOf(ConnectionClosedError);
    await expect(conn!.send(textRequest('b'))).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(conn!.state).toBe('closed');
    await closedByClient(0);
  });

  it('lets in-flight requests finish with drain: true', async () => {
    connect();
    const pending = conn!.send(textRequest('a'));
    const [req] = await broker.waitForRequests(1);
    const closing = conn!.close({ drain: true });
    await expect(conn!.send(textRequest('b'))).rejects.toBeInstanceOf(ConnectionClosedError);
    await echo(req!);
    await expect(pending).resolves.toBe('A');
    await closing;
    await closedByClient(0);
  });

  it('cancels a backoff wait and a pending connection attempt', async () => {
    const port = await refusedPort();
    conn = new BrokerConnection({
      host: '127.0.0.1',
      port,
      backoff: { baseMs: 60_000, maxMs: 60_000, jitter: 'none' },
    });
    await expect(conn.send(textRequest('a'))).rejects.toBeInstanceOf(ConnectionError);
    const waiting = conn.send(textRequest('b')).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(conn.state).toBe('connecting');
    await conn.close();
    expect(await waiting).toBeInstanceOf(ConnectionClosedError);
  });

  it('closes a socket that is still connecting', async () => {
    const never = new Socket();
    connect({ createSocket: () => never });
    const pending = conn!.send(textRequest('a')).catch((e: unknown) => e);
    await new Promise((resolve) => setImmediate(resolve));
    await conn!.close();
    expect(await pending).toBeInstanceOf(ConnectionClosedError);
    expect(never.destroyed).toBe(true);
  });

  it('is idempotent', async () => {
    connect();
    await Promise.all([conn!.close(), conn!.close()]);
    await conn!.close();
    expect(conn!.state).toBe('closed');
  });
});
