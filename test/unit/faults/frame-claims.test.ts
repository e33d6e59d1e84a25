import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../src/simple-consumer/frame-decoder.js';

// A size prefix is a claim, not data: a peer announcing a frame of 100 MiB (within the limit)
// and sending a few bytes must not make the client hold 100 MiB. Memory follows the bytes.

const address = { host: '127.0.0.1', port: 1 };

function prefix(size: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(size);
  return Buffer.concat([head, body]);
}

describe('FrameDecoder: memory follows the bytes received, not the size claimed', () => {
  it('20 connections announcing 100 MiB frames hold kilobytes, not gigabytes', () => {
    const before = process.memoryUsage().arrayBuffers;
    const decoders = Array.from({ length: 20 }, () => new FrameDecoder(200 * 2 ** 20, address));
    for (const d of decoders) d.push(prefix(100 * 2 ** 20, Buffer.alloc(64, 1)), () => undefined);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(decoders.every((d) => d.pendingFrameSize === 100 * 2 ** 20)).toBe(true);
    expect(grown).toBeLessThan(20 * 256 * 1024);
  });

  it('still assembles a large frame arriving in pieces, through push and through readTarget', () => {
    const body = Buffer.alloc(3 * 2 ** 20 + 17);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const stream = prefix(body.length, body);
    const viaPush = new FrameDecoder(8 * 2 ** 20, address);
    const pushed: Buffer[] = [];
    for (let at = 0; at < stream.length; at += 50_000)
      viaPush.push(stream.subarray(at, at + 50_000), (f) => pushed.push(Buffer.from(f)));
    const viaRead = new FrameDecoder(8 * 2 ** 20, address);
    const read: Buffer[] = [];
    for (let at = 0; at < stream.length; ) {
      const target = viaRead.readTarget();
      const n = Math.min(target.length, 70_000, stream.length - at);
      stream.copy(target, 0, at, at + n);
      viaRead.wrote(n, target, (f) => read.push(Buffer.from(f)));
      at += n;
    }
    expect(pushed.length).toBe(1);
    expect(read.length).toBe(1);
    expect(pushed[0]!.equals(body)).toBe(true);
    expect(read[0]!.equals(body)).toBe(true);
  });
});
