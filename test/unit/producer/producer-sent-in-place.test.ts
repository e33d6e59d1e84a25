/**
 * A Produce request's batches are written from the batch buffers themselves (not copied into the
 * frame), and a batch buffer serves a new batch once its batch is done. With acks=0 a batch is
 * done when its bytes have been written, so a broker that stops reading keeps the frames queued
 * in the socket, and their buffers must stay untouched until then: every record must arrive as
 * sent when the broker reads again.
 */
import { describe, expect, it } from 'vitest';
import { letterText } from '../../helpers/xorshift.js';
import { producerOnFakeCluster } from './fake-cluster.js';

const onCluster = producerOnFakeCluster();

describe('batches written in place', () => {
  for (const acks of [0, 1] as const) {
    it(`acks=${acks}: a broker that stops reading for a while still gets every record intact`, async () => {
      const { c, p } = await onCluster([0], { acks, bufferMemory: 96 << 20, maxBlockMs: 30_000 });
      await p.partitionCount('t');
      const broker = c.brokers[0]!;
      for (const k of broker.connections) k.socket.pause();
      // 24 MB: more than the loopback socket buffers take, so later frames queue in the process.
      const count = 24_000;
      const value = (i: number) => `${i}:${letterText(990, i).toString()}`;
      let failed: unknown;
      let acked = 0;
      for (let i = 0; i < count; i++) {
        p.send({ topic: 't', value: value(i) }, (err) => {
          if (err) failed ??= err;
          else acked++;
        });
      }
      await new Promise((r) => setTimeout(r, 300));
      for (const k of broker.connections) k.socket.resume();
      await p.flush();
      expect(failed).toBeUndefined();
      expect(acked).toBe(count);
      // With acks=0, flush() ends once the bytes are written; the broker may still be reading them.
      await expect.poll(() => c.log('t', 0).length, { timeout: 10_000 }).toBe(count);
      const log = c.log('t', 0);
      const wrong = log.findIndex((m, i) => m.value !== value(i));
      expect(wrong).toBe(-1);
    }, 60_000);
  }

  // Frames queued in a socket that dies are dropped with it; the batches they carried are sent
  // again from the same buffers, which must not serve the batches appended meanwhile.
  it('a connection lost with frames still queued: the retries carry every record intact', async () => {
    const { c, p } = await onCluster([0], {
      acks: 1,
      retries: 5,
      bufferMemory: 96 << 20,
      maxBlockMs: 30_000,
    });
    await p.partitionCount('t');
    const broker = c.brokers[0]!;
    for (const k of broker.connections) k.socket.pause();
    const count = 24_000;
    const value = (i: number) => `${i}:${letterText(990, i).toString()}`;
    const sent = new Set<string>();
    let failed: unknown;
    let acked = 0;
    const send = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        sent.add(value(i));
        p.send({ topic: 't', value: value(i) }, (err) => {
          if (err) failed ??= err;
          else acked++;
        });
      }
    };
    send(0, count / 2);
    await new Promise((r) => setTimeout(r, 300));
    // The next connection is held too, so the resent frames also wait in the process.
    const hold = setInterval(() => {
      for (const k of broker.connections) if (!k.destroyed) k.socket.pause();
    }, 1);
    for (const k of broker.connections) k.socket.destroy();
    // Appends go on while the lost batches wait for their retry and are sent again.
    for (let i = count / 2; i < count; i += 500) {
      send(i, i + 500);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(hold);
    for (const k of broker.connections) if (!k.destroyed) k.socket.resume();
    await p.flush();
    expect(failed).toBeUndefined();
    expect(acked).toBe(count);
    const log = c.log('t', 0).map((m) => m.value!);
    // A request the broker took before the loss may be sent again (0.8 has no idempotence).
    expect(log.every((v) => sent.has(v))).toBe(true);
    expect(new Set(log).size).toBe(count);
  }, 60_000);
});
