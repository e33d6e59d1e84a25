import { afterEach, describe, expect, it } from 'vitest';
import { BrokerPool } from '../../../src/simple-consumer/broker-pool.js';
import { ConnectionClosedError } from '../../../src/simple-consumer/errors.js';
import { FakeBroker } from '../../helpers/fake-broker.js';
import { textBody, textRequest } from './requests.js';

let pool: BrokerPool;
const brokers: FakeBroker[] = [];

afterEach(async () => {
  await pool?.close();
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

async function echoBroker(): Promise<FakeBroker> {
  const b = await FakeBroker.start({
    handler: (req) => req.connection.respond(req, textBody(`from ${b.port}`)),
  });
  brokers.push(b);
  return b;
}

describe('BrokerPool', () => {
  it('shares one connection per address between seed and node lookups', async () => {
    const b = await echoBroker();
    pool = new BrokerPool({ clientId: 'pool', requestTimeoutMs: 2000 });
    const seed = pool.seedConnection({ host: b.host, port: b.port });
    const byNode = pool.connectionFor({ nodeId: 3, host: b.host, port: b.port });
    expect(byNode).toBe(seed);
    expect(pool.connectionFor({ nodeId: 3, host: b.host, port: b.port })).toBe(seed);
    expect(await byNode.send(textRequest('x'))).toBe(`from ${b.port}`);
    expect(byNode.clientId).toBe('pool');
    expect(pool.size).toBe(1);
  });

  it('replaces a node connection when the node moves to another address, closing the old one', async () => {
    const b1 = await echoBroker();
    const b2 = await echoBroker();
    pool = new BrokerPool({ clientId: 'pool', requestTimeoutMs: 2000 });
    const old = pool.connectionFor({ nodeId: 1, host: b1.host, port: b1.port });
    expect(await old.send(textRequest('x'))).toBe(`from ${b1.port}`);
    const moved = pool.connectionFor({ nodeId: 1, host: b2.host, port: b2.port });
    expect(moved).not.toBe(old);
    expect(await moved.send(textRequest('x'))).toBe(`from ${b2.port}`);
    await expect(old.send(textRequest('x'))).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(pool.size).toBe(1);
  });

  it('keeps an old address open while another node still uses it', async () => {
    const b1 = await echoBroker();
    const b2 = await echoBroker();
    pool = new BrokerPool({ clientId: 'pool', requestTimeoutMs: 2000 });
    const shared = pool.connectionFor({ nodeId: 1, host: b1.host, port: b1.port });
    pool.connectionFor({ nodeId: 2, host: b1.host, port: b1.port });
    pool.connectionFor({ nodeId: 1, host: b2.host, port: b2.port });
    expect(await shared.send(textRequest('x'))).toBe(`from ${b1.port}`);
  });

  it('closes every connection and refuses new ones after close()', async () => {
    const b = await echoBroker();
    pool = new BrokerPool({ clientId: 'pool', requestTimeoutMs: 2000 });
    const c = pool.seedConnection({ host: b.host, port: b.port });
    await c.send(textRequest('x'));
    await pool.close();
    expect(c.state).toBe('closed');
    expect(() => pool.seedConnection({ host: b.host, port: b.port })).toThrow(ConnectionClosedError);
  });
});

describe('BrokerPool: fetch and control connections', () => {
  it('holds a fetch and a control connection per broker, both retired on a move and closed by close()', async () => {
    const b1 = await echoBroker();
    const b2 = await echoBroker();
    pool = new BrokerPool({ clientId: 'pool', requestTimeoutMs: 2000 });
    const node = { nodeId: 1, host: b1.host, port: b1.port };
    const fetch = pool.connectionFor(node, 'fetch');
    const control = pool.connectionFor(node);
    expect(control).not.toBe(fetch);
    expect(pool.connectionFor(node, 'control')).toBe(control);
    expect(pool.seedConnection({ host: b1.host, port: b1.port })).toBe(control);
    expect(pool.connectionFor(node, 'fetch')).toBe(fetch);
    await Promise.all([fetch.send(textRequest('x')), control.send(textRequest('y'))]);
    expect(b1.connections).toHaveLength(2);
    expect(pool.size).toBe(2);

    const movedFetch = pool.connectionFor({ ...node, host: b2.host, port: b2.port }, 'fetch');
    await expect(fetch.send(textRequest('x'))).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(control.send(textRequest('x'))).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await movedFetch.send(textRequest('x'))).toBe(`from ${b2.port}`);
    const movedControl = pool.connectionFor({ ...node, host: b2.host, port: b2.port });
    expect(await movedControl.send(textRequest('x'))).toBe(`from ${b2.port}`);

    await pool.close();
    expect([movedFetch.state, movedControl.state]).toEqual(['closed', 'closed']);
  });
});
