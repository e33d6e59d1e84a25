import { afterEach, describe, expect, it, vi } from 'vitest';
import { CorruptError } from '../../../src/protocol/errors.js';
import { Reader } from '../../../src/protocol/reader.js';
import { CallQueue } from '../../../src/zookeeper/call-queue.js';
import { ErrorCodes, OpCode } from '../../../src/zookeeper/constants.js';
import {
  ConnectionLossError,
  NoNodeError,
  ZooKeeperClosedError,
  ZooKeeperTimeoutError,
} from '../../../src/zookeeper/errors.js';
import type { CallSpec } from '../../../src/zookeeper/session-types.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A getData-shaped call whose reply body is one int32. */
function spec(path: string, acceptErrors?: number[]): CallSpec<number | null> {
  return {
    op: OpCode.getData,
    path,
    body: Buffer.from(path),
    onReply: (r) => (r === null ? null : r.int32('value')),
    ...(acceptErrors === undefined ? {} : { acceptErrors }),
  };
}

/** Collects written frames; each is int32 length, int32 xid, int32 op, body. */
function connection(): { frames: Buffer[]; write: (frame: Buffer) => void; xids: () => number[] } {
  const frames: Buffer[] = [];
  return {
    frames,
    write: (frame) => frames.push(frame),
    xids: () => frames.map((f) => f.readInt32BE(4)),
  };
}

function body(value: number): Reader {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return new Reader(b);
}

describe('CallQueue', () => {
  it('holds calls until a connection is up, then writes them in submission order', async () => {
    const queue = new CallQueue(1000);
    const a = queue.submit(spec('/a'));
    const b = queue.submit(spec('/b'));
    const conn = connection();
    queue.attach(conn.write);
    const c = queue.submit(spec('/c'));
    expect(conn.xids()).toEqual([1, 2, 3]);
    expect(conn.frames.map((f) => f.subarray(12).toString())).toEqual(['/a', '/b', '/c']);
    for (const [xid, value] of [
      [1, 10],
      [2, 20],
      [3, 30],
    ] as const) {
      queue.completeReply(queue.matchReply(xid), ErrorCodes.ok, body(value));
    }
    await expect(Promise.all([a, b, c])).resolves.toEqual([10, 20, 30]);
  });

  it('never writes a held call whose deadline passed', async () => {
    vi.useFakeTimers();
    const queue = new CallQueue(100);
    const slow = queue.submit(spec('/slow')).catch((e: unknown) => e);
    vi.advanceTimersByTime(100);
    const later = queue.submit(spec('/later'));
    const conn = connection();
    queue.attach(conn.write);
    expect(await slow).toMatchObject({ operation: 'getData', path: '/slow', timeoutMs: 100 });
    expect(await slow).toBeInstanceOf(ZooKeeperTimeoutError);
    expect(conn.frames.map((f) => f.subarray(12).toString())).toEqual(['/later']);
    queue.completeReply(queue.matchReply(conn.xids()[0] ?? 0), ErrorCodes.ok, body(1));
    await expect(later).resolves.toBe(1);
  });

  it('fails the calls written to a lost connection and keeps the held ones for the next', async () => {
    const queue = new CallQueue(1000);
    const first = connection();
    queue.attach(first.write);
    const sent = queue.submit(spec('/sent')).catch((e: unknown) => e);
    const loss = new ConnectionLossError(undefined, 'gone');
    queue.detach(loss);
    const held = queue.submit(spec('/held'));
    // A connection that fails before its handshake is detached too: the held call must survive it.
    queue.detach(loss);
    expect(await sent).toBe(loss);
    const second = connection();
    queue.attach(second.write);
    expect(second.xids()).toEqual([2]);
    queue.completeReply(queue.matchReply(2), ErrorCodes.ok, body(7));
    await expect(held).resolves.toBe(7);
    const closed = new ZooKeeperClosedError();
    queue.detach(closed);
    const afterClose = queue.submit(spec('/x')).catch((e: unknown) => e);
    queue.failHeld(closed);
    expect(await afterClose).toBe(closed);
  });

  it('a reply for any call but the oldest in flight fails that call and throws', async () => {
    const queue = new CallQueue(1000);
    queue.attach(connection().write);
    const head = queue.submit(spec('/head')).catch((e: unknown) => e);
    queue.submit(spec('/next')).catch(() => undefined);
    expect(() => queue.matchReply(2)).toThrow(CorruptError);
    const err = await head;
    expect(err).toBeInstanceOf(ConnectionLossError);
    expect(err).toMatchObject({ path: '/head' });
    queue.detach(new ZooKeeperClosedError());
  });

  it('maps an error code to its typed error unless the call accepts it', async () => {
    const queue = new CallQueue(1000);
    queue.attach(connection().write);
    const strict = queue.submit(spec('/strict')).catch((e: unknown) => e);
    const lenient = queue.submit(spec('/lenient', [ErrorCodes.noNode]));
    queue.completeReply(queue.matchReply(1), ErrorCodes.noNode, new Reader(Buffer.alloc(0)));
    queue.completeReply(queue.matchReply(2), ErrorCodes.noNode, new Reader(Buffer.alloc(0)));
    expect(await strict).toBeInstanceOf(NoNodeError);
    await expect(lenient).resolves.toBeNull();
  });

  it('fails a call whose reply cannot be decoded and rethrows, so the connection is dropped', async () => {
    const queue = new CallQueue(1000);
    queue.attach(connection().write);
    const call = queue.submit(spec('/short')).catch((e: unknown) => e);
    expect(() =>
      queue.completeReply(queue.matchReply(1), ErrorCodes.ok, new Reader(Buffer.alloc(2))),
    ).toThrow();
    expect(await call).toBeInstanceOf(Error);
  });
});
