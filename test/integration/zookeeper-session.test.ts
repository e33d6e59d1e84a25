import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaVersion } from '../../src/rig/index.js';
import {
  ConnectionLossError,
  SessionExpiredError,
  type SessionInfo,
  type WatchEvent,
  ZooKeeperClient,
  type ZooKeeperClientOptions,
  ZooKeeperTimeoutError,
} from '../../src/zookeeper/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { TcpProxy } from '../unit/zookeeper/tcp-proxy.js';

const versions: KafkaVersion[] = ['0.8.2.2', '0.8.1.1'];
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A port nothing listens on: connecting to it is refused at once. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const addr = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

async function proxied(
  version: KafkaVersion,
  opts: ZooKeeperClientOptions,
): Promise<{ zk: ZooKeeperClient; proxy: TcpProxy }> {
  const proxy = await TcpProxy.start(sharedCluster(version).zookeeper);
  closers.push(() => proxy.close());
  // The dead server first: every (re)connect has to move on along the list.
  const zk = await ZooKeeperClient.connect(`127.0.0.1:${await deadPort()},${proxy.address}`, opts);
  closers.push(() => zk.close());
  return { zk, proxy };
}

async function direct(version: KafkaVersion): Promise<ZooKeeperClient> {
  const zk = await ZooKeeperClient.connect(sharedCluster(version).zookeeper);
  closers.push(() => zk.close());
  return zk;
}

function once<T>(emitter: ZooKeeperClient, event: 'connected' | 'newSession', ms: number): Promise<T>;
function once<T>(emitter: ZooKeeperClient, event: 'disconnected' | 'expired', ms: number): Promise<T>;
function once<T>(emitter: ZooKeeperClient, event: string, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} event within ${ms} ms`)), ms);
    (emitter as unknown as NodeJS.EventEmitter).once(event, (v: T) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

describe.each(versions)('ZooKeeper sessions on the ZooKeeper of Kafka %s', (version) => {
  it('resumes the same session on a new connection and re-arms watches with SetWatches', async () => {
    const { zk, proxy } = await proxied(version, { sessionTimeoutMs: 4000 });
    const other = await direct(version);
    const base = `/kafka08-zk-it/${uniqueTopic('resume')}`;
    await zk.mkdirp(`${base}/n`, 'v0');
    await zk.create(`${base}/eph`, 'mine', 'ephemeral');
    const sessionId = zk.sessionId;

    const events: WatchEvent[] = [];
    await zk.getData(`${base}/n`, (e) => events.push(e));
    await zk.getChildren(base, (e) => events.push(e));

    // Partition the client, and change the node while it cannot hear about it.
    proxy.mode = 'blackhole';
    const inFlight = zk.getData(`${base}/n`).catch((e: unknown) => e);
    const disconnected = once<ConnectionLossError>(zk, 'disconnected', 5000);
    proxy.cutAll();
    expect(await disconnected).toBeInstanceOf(ConnectionLossError);
    expect(await inFlight).toBeInstanceOf(ConnectionLossError);
    expect(zk.state).toBe('connecting');
    await other.setData(`${base}/n`, 'changed-while-away');
    const queued = zk.getString(`${base}/n`); // waits for the session to come back

    const connected = once<SessionInfo>(zk, 'connected', 5000);
    proxy.mode = 'pass';
    proxy.cutAll(); // the attempt stuck in the black hole; the next one goes through
    const info = await connected;
    expect(info.sessionId).toBe(sessionId);
    expect(info.server).toBe(proxy.address);
    expect(await queued).toBe('changed-while-away');
    // The server compared the watch against the zxid we had seen and fired it on SetWatches.
    await expect
      .poll(() => events, { timeout: 3000 })
      .toEqual([{ type: 'NodeDataChanged', path: `${base}/n` }]);
    // The child watch was re-armed too and still fires on a later change.
    await other.create(`${base}/new`);
    await expect.poll(() => events.length, { timeout: 3000 }).toBe(2);
    expect(events[1]).toEqual({ type: 'NodeChildrenChanged', path: base });
    expect((await other.exists(`${base}/eph`))?.ephemeralOwner).toBe(sessionId);
    await other.deleteRecursive(base).catch(() => undefined);
  });

  it('reports an expired session with typed errors and events, then opens a new one', async () => {
    const { zk, proxy } = await proxied(version, { sessionTimeoutMs: 1000 });
    expect(zk.sessionTimeoutMs).toBe(1000);
    const other = await direct(version);
    const base = `/kafka08-zk-it/${uniqueTopic('expire')}`;
    await zk.mkdirp(base);
    await zk.create(`${base}/eph`, 'mine', 'ephemeral');
    const oldSession = zk.sessionId;
    const watchEvents: WatchEvent[] = [];
    await zk.exists(`${base}/eph`, (e) => watchEvents.push(e));

    const expired = once<SessionExpiredError>(zk, 'expired', 10_000);
    const renewed = once<SessionInfo>(zk, 'newSession', 10_000);
    // No pings reach the server: it expires the session after 1 s of silence.
    proxy.mode = 'blackhole';
    await once(zk, 'disconnected', 3000);
    const queued = zk.getData(`${base}/eph`).catch((e: unknown) => e);
    // ZooKeeper's expiry runs on tick boundaries: wait until the server has dropped the node.
    await expect.poll(() => other.exists(`${base}/eph`), { timeout: 5000, interval: 100 }).toBeNull();
    proxy.mode = 'pass';
    proxy.cutAll();

    const err = await expired;
    expect(err).toBeInstanceOf(SessionExpiredError);
    expect(err.code).toBe(-112);
    expect(await queued).toBeInstanceOf(SessionExpiredError);
    await expect.poll(() => watchEvents).toEqual([{ type: 'SessionExpired', path: `${base}/eph` }]);
    const info = await renewed;
    expect(info.sessionId).not.toBe(oldSession);
    expect(zk.state).toBe('connected');
    // The owner re-registers its ephemeral node in the new session, as Kafka's consumer does.
    await zk.createEphemeralExpectConflict(`${base}/eph`, 'mine');
    expect((await other.exists(`${base}/eph`))?.ephemeralOwner).toBe(info.sessionId);
    await zk.close();
    await other.deleteRecursive(base);
  });

  it('stays expired when renewal is off', async () => {
    const { zk, proxy } = await proxied(version, { sessionTimeoutMs: 1000, renewSessionOnExpiry: false });
    const other = await direct(version);
    const path = `/kafka08-zk-it/${uniqueTopic('expire-off')}`;
    await zk.mkdirp('/kafka08-zk-it');
    await zk.create(path, 'x', 'ephemeral');
    const expired = once<SessionExpiredError>(zk, 'expired', 10_000);
    proxy.mode = 'blackhole';
    await once(zk, 'disconnected', 3000);
    await expect.poll(() => other.exists(path), { timeout: 5000, interval: 100 }).toBeNull();
    proxy.mode = 'pass';
    proxy.cutAll();
    expect(await expired).toBeInstanceOf(SessionExpiredError);
    expect(zk.state).toBe('expired');
    await expect(zk.exists('/')).rejects.toBeInstanceOf(SessionExpiredError);
    await zk.close();
    expect(zk.state).toBe('closed');
  });

  it('gives up connecting after connectTimeoutMs when no server answers', async () => {
    const proxy = await TcpProxy.start(sharedCluster(version).zookeeper);
    closers.push(() => proxy.close());
    proxy.mode = 'blackhole';
    const started = Date.now();
    const err = await ZooKeeperClient.connect(proxy.address, {
      connectTimeoutMs: 700,
      sessionTimeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZooKeeperTimeoutError);
    expect(Date.now() - started).toBeLessThan(3000);
    await expect.poll(() => proxy.connections).toBe(0);
  });

  it('sends closeSession on close and leaves no connection behind', async () => {
    const { zk, proxy } = await proxied(version, { sessionTimeoutMs: 6000 });
    expect(proxy.connections).toBe(1);
    await zk.close();
    await zk.close();
    await expect.poll(() => proxy.connections).toBe(0);
  });
});
