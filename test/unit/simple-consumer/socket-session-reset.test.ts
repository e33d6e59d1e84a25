import { connect as netConnect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClosedByBrokerError, ConnectionError } from '../../../src/simple-consumer/errors.js';
import { SocketSession } from '../../../src/simple-consumer/socket-session.js';
import { FakeBroker, responseFrame } from '../../helpers/fake-broker.js';
import { textBody, textRequest } from './requests.js';

// Whether a peer that hangs up reaches us as a clean close or as a reset depends on the Node
// version and on what the peer left unread (a destroyed socket on Node 24 resets where Node 20
// closes). The reset is injected here as the kernel reports it, so the path runs on every Node.

let broker: FakeBroker;
let socket: Socket;

beforeEach(async () => {
  broker = await FakeBroker.start();
});

afterEach(async () => {
  socket?.destroy();
  await broker.stop();
});

function reset(): NodeJS.ErrnoException {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
}

async function session(): Promise<{ session: SocketSession; ended: Promise<ConnectionError> }> {
  socket = netConnect({ host: broker.host, port: broker.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let end!: (e: ConnectionError) => void;
  const ended = new Promise<ConnectionError>((resolve) => {
    end = resolve;
  });
  const s = new SocketSession(socket, {
    address: { host: broker.host, port: broker.port },
    clientId: 'reset-test',
    maxResponseBytes: 1 << 20,
    onResponse: () => {},
    onEnd: end,
  });
  return { session: s, ended };
}

describe('SocketSession when the broker resets the connection', () => {
  it('says how much of the answer had arrived, like a clean close does', async () => {
    broker.handler = async (req) => {
      const frame = responseFrame(req.correlationId, textBody('truncated answer'));
      await req.connection.write(frame.subarray(0, 10));
    };
    const { session: s, ended } = await session();
    socket.once('data', () => setImmediate(() => socket.destroy(reset())));
    const err = await s
      .send(textRequest('a'), 1, { remainingMs: 5000, totalMs: 5000 }, undefined)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClosedByBrokerError);
    expect((err as ClosedByBrokerError).inFlight).toBe(1);
    expect((err as Error).message).toContain(
      'socket error: read ECONNRESET mid-frame (6 of 22 bytes received) with 1 request(s) in flight',
    );
    expect((err as Error).cause).toMatchObject({ code: 'ECONNRESET' });
    expect(await ended).toBe(err);
  });

  it('names the requests in flight when nothing of an answer had arrived', async () => {
    let seen!: () => void;
    const requested = new Promise<void>((resolve) => {
      seen = resolve;
    });
    broker.handler = () => seen();
    const { session: s } = await session();
    const answer = s
      .send(textRequest('a'), 1, { remainingMs: 5000, totalMs: 5000 }, undefined)
      .catch((e: unknown) => e);
    await requested;
    socket.destroy(reset());
    const err = await answer;
    expect(err).toBeInstanceOf(ClosedByBrokerError);
    expect((err as Error).message).toContain('socket error: read ECONNRESET with 1 request(s) in flight');
    expect((err as Error).message).not.toContain('mid-frame');
  });

  it('keeps other socket errors plain connection errors', async () => {
    broker.handler = () => {};
    const { session: s } = await session();
    const answer = s
      .send(textRequest('a'), 1, { remainingMs: 5000, totalMs: 5000 }, undefined)
      .catch((e: unknown) => e);
    socket.destroy(Object.assign(new Error('read ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    const err = await answer;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).not.toBeInstanceOf(ClosedByBrokerError);
    expect((err as Error).message).toContain('socket error: read ETIMEDOUT');
  });
});
