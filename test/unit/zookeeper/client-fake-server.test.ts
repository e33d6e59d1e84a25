import { afterEach, describe, expect, it } from 'vitest';
import { CorruptError, TruncatedError } from '../../../src/protocol/errors.js';
import { OpCode } from '../../../src/zookeeper/constants.js';
import {
  ConnectionLossError,
  NoNodeError,
  ZooKeeperClient,
  type ZooKeeperClientOptions,
  ZooKeeperClosedError,
  ZooKeeperError,
  ZooKeeperTimeoutError,
} from '../../../src/zookeeper/index.js';
import { FakeZooKeeper, reply } from './fake-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function setup(
  opts: ZooKeeperClientOptions = {},
): Promise<{ fake: FakeZooKeeper; zk: ZooKeeperClient }> {
  const fake = await new FakeZooKeeper().start();
  cleanups.push(() => fake.close());
  const zk = await ZooKeeperClient.connect(fake.address, opts);
  cleanups.push(() => zk.close());
  return { fake, zk };
}

const STAT = (w: import('../../../src/protocol/writer.js').Writer): void => {
  w.int64(1n).int64(2n).int64(3n).int64(4n).int32(0).int32(0).int32(0).int64(0n).int32(1).int32(0).int64(5n);
};

describe('ZooKeeperClient against a scripted server', () => {
  it('matches replies by xid and maps error codes to typed errors', async () => {
    const { fake, zk } = await setup();
    fake.onRequest = (req) => {
      if (req.type === OpCode.getData) req.socket.write(reply(req.xid, 10n, -101));
      if (req.type === OpCode.exists) req.socket.write(reply(req.xid, 11n, -101));
      if (req.type === OpCode.setData) req.socket.write(reply(req.xid, 12n, -999));
    };
    const [a, b, c] = await Promise.all([
      zk.getData('/x').catch((e: unknown) => e),
      zk.exists('/y'),
      zk.setData('/z', 'v').catch((e: unknown) => e),
    ]);
    expect(a).toBeInstanceOf(NoNodeError);
    expect(a).toMatchObject({ code: -101, path: '/x' });
    expect(b).toBeNull();
    expect(c).toBeInstanceOf(ZooKeeperError);
    expect(c).toMatchObject({ code: -999, path: '/z' });
    expect(fake.requests.filter((r) => r.xid > 0).map((r) => r.xid)).toEqual([1, 2, 3]);
  });

  it('drops the connection on a frame over maxFrameBytes and fails the request with ConnectionLoss', async () => {
    const { fake, zk } = await setup({ maxFrameBytes: 1024 });
    fake.onRequest = (req) => {
      const head = Buffer.alloc(4);
      head.writeInt32BE(1025);
      req.socket.write(head);
    };
    const disconnected = new Promise((resolve) => zk.once('disconnected', resolve));
    const err = await zk.getData('/big').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionLossError);
    expect((err as Error).cause).toBeInstanceOf(CorruptError);
    await disconnected;
    fake.onRequest = (req) =>
      req.socket.write(
        reply(req.xid, 1n, 0, (w) => {
          w.bytes(Buffer.from('ok'));
          STAT(w);
        }),
      );
    // Same session on the next connection: the client carried on.
    expect((await zk.getData('/small')).data.toString()).toBe('ok');
    expect(fake.connects).toBe(2);
  });

  it('rejects a truncated reply with TruncatedError and a reply out of order with ConnectionLoss', async () => {
    const { fake, zk } = await setup();
    fake.onRequest = (req) => req.socket.write(reply(req.xid, 1n, 0, (w) => w.int32(100)));
    expect(await zk.getData('/t').catch((e: unknown) => e)).toBeInstanceOf(TruncatedError);
    fake.onRequest = (req) => req.socket.write(reply(req.xid + 5, 1n, 0));
    expect(await zk.delete('/d').catch((e: unknown) => e)).toBeInstanceOf(ConnectionLossError);
  });

  it('pings about every third of the negotiated timeout while idle', async () => {
    const { fake, zk } = await setup({ sessionTimeoutMs: 600 });
    expect(zk.sessionTimeoutMs).toBe(3000); // the fake grants its own value, as a server may
    fake.requests.length = 0;
    await new Promise((r) => setTimeout(r, 1600));
    const pings = fake.requests.filter((r) => r.xid === -2 && r.type === OpCode.ping).length;
    // 1600 ms at one ping per 1000 ms (3000 / 3): one or two, never a flood.
    expect(pings).toBeGreaterThanOrEqual(1);
    expect(pings).toBeLessThanOrEqual(2);
  });

  it('reconnects when the server goes silent for two thirds of the session timeout', async () => {
    const fake = await new FakeZooKeeper().start();
    cleanups.push(() => fake.close());
    fake.grantTimeoutMs = 600;
    const zk = await ZooKeeperClient.connect(fake.address, { sessionTimeoutMs: 600 });
    cleanups.push(() => zk.close());
    fake.answerPings = false;
    const started = Date.now();
    const cause = await new Promise<ConnectionLossError>((resolve) => zk.once('disconnected', resolve));
    const waited = Date.now() - started;
    expect(cause).toBeInstanceOf(ConnectionLossError);
    expect(waited).toBeGreaterThanOrEqual(350);
    expect(waited).toBeLessThan(1500);
    fake.answerPings = true;
    await new Promise((resolve) => zk.once('connected', resolve));
    expect(fake.connects).toBeGreaterThanOrEqual(2);
  });

  it('times out a request the server never answers and keeps later replies in step', async () => {
    const { fake, zk } = await setup({ requestTimeoutMs: 200 });
    let held: { xid: number; socket: import('node:net').Socket } | undefined;
    fake.onRequest = (req) => {
      if (req.type === OpCode.getData) held = req;
      else req.socket.write(reply(req.xid, 1n, 0));
    };
    const err = await zk.getData('/slow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZooKeeperTimeoutError);
    expect(err).toMatchObject({ operation: 'getData', path: '/slow', timeoutMs: 200 });
    const del = zk.delete('/after');
    // The late reply to the timed-out call arrives first, then the delete's: both line up.
    if (held === undefined) throw new Error('getData never reached the server');
    held.socket.write(reply(held.xid, 1n, -101));
    await expect(del).resolves.toBeUndefined();
  });

  it('closes with closeSession, rejects later calls and leaves no socket or timer behind', async () => {
    const before = process.getActiveResourcesInfo();
    const fake = await new FakeZooKeeper().start();
    fake.onRequest = (req) => {
      if (req.type === OpCode.closeSession) req.socket.end(reply(req.xid, 1n, 0));
      else req.socket.write(reply(req.xid, 1n, -101));
    };
    const zk = await ZooKeeperClient.connect(fake.address);
    // A call in flight when close() starts gets its own reply: the server answers in order.
    const inFlight = zk.getData('/x').catch((e: unknown) => e);
    const closing = zk.close();
    const duringClose = zk.getData('/late').catch((e: unknown) => e);
    await closing;
    expect(await inFlight).toBeInstanceOf(NoNodeError);
    expect(await duringClose).toBeInstanceOf(ZooKeeperClosedError);
    expect(fake.requests.map((r) => r.type)).toEqual([OpCode.getData, OpCode.closeSession]);
    await expect(zk.exists('/')).rejects.toBeInstanceOf(ZooKeeperClosedError);
    expect(zk.state).toBe('closed');
    await fake.close();
    const count = (kind: string, list = process.getActiveResourcesInfo()): number =>
      list.filter((k) => k === kind).length;
    // Handles close on a later turn of the event loop; poll rather than guess how many.
    await expect.poll(() => count('TCPSocketWrap'), { timeout: 1000 }).toBe(count('TCPSocketWrap', before));
    expect(count('TCPServerWrap')).toBe(count('TCPServerWrap', before));
    expect(count('Timeout')).toBeLessThanOrEqual(count('Timeout', before));
  });

  it('fails connect() with a timeout when nothing listens, and stops trying', async () => {
    const fake = await new FakeZooKeeper().start();
    const addr = fake.address;
    await fake.close();
    const before = process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length;
    const err = await ZooKeeperClient.connect(`${addr},${addr}`, { connectTimeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ZooKeeperTimeoutError);
    expect(err).toMatchObject({ operation: 'connect', timeoutMs: 300 });
    await new Promise((r) => setTimeout(r, 50));
    expect(process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length).toBeLessThanOrEqual(
      before,
    );
  });
});
