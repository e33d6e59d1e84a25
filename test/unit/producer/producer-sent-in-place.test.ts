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
});
