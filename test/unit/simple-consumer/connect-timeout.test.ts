import { connect as netConnect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerConnection } from '../../../src/simple-consumer/connection.js';
import { ConnectTimeoutError } from '../../../src/simple-consumer/errors.js';
import { textRequest } from './requests.js';

/**
 * A listener that never accepts: a worker thread opens it with a backlog of 1 and then blocks its
 * own event loop, so nothing drains the kernel's accept queue. Once the queue is full, Linux drops
 * further SYNs and a new connect() hangs, which is exactly what a black-holed broker looks like.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const server = require('node:net').createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(workerData, 0, 0);
  server.close();
});
`;

let worker: Worker | undefined;
let flag: Int32Array | undefined;
const fillers: Socket[] = [];
let conn: BrokerConnection | undefined;

afterEach(async () => {
  await conn?.close();
  for (const s of fillers.splice(0)) s.destroy();
  if (flag) {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  }
  await worker?.terminate();
});

describe('BrokerConnection connect timeout against a real listener', () => {
  it('gives up with ConnectTimeoutError when the handshake never completes', async () => {
    flag = new Int32Array(new SharedArrayBuffer(4));
    worker = new Worker(WORKER, { eval: true, workerData: flag });
    const port = await new Promise<number>((resolve, reject) => {
      worker!.once('message', resolve);
      worker!.once('error', reject);
    });
    // Two handshakes fill an accept queue of backlog 1; a few more make sure of it.
    for (let i = 0; i < 4; i++) {
      const s = netConnect({ host: '127.0.0.1', port });
      s.on('error', () => undefined);
      fillers.push(s);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    conn = new BrokerConnection({ host: '127.0.0.1', port, connectTimeoutMs: 150 });
    const started = performance.now();
    const err = await conn.send(textRequest('a'), { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectTimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});
