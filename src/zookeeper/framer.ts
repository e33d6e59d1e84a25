import { CorruptError } from '../protocol/errors.js';

/** Default ceiling on one incoming frame (the servers' jute.maxbuffer default is 1 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * Splits a byte stream into int32-length-prefixed frames. A length below zero or above the
 * ceiling throws {@link CorruptError} before anything is buffered for it, so a hostile length
 * cannot make us allocate; the connection must then be dropped (the stream is out of step).
 */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly maxFrameBytes: number;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Appends bytes and returns every frame body now complete, in order. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const len = head.readInt32BE(0);
      if (len < 0) throw new CorruptError('bad-length', `negative frame length ${len}`, 0, 'frame.length');
      if (len > this.maxFrameBytes) {
        throw new CorruptError(
          'too-large',
          `frame of ${len} bytes exceeds the ${this.maxFrameBytes}-byte maximum`,
          0,
          'frame.length',
        );
      }
      if (this.buffered < 4 + len) break;
      const frame = this.take(4 + len);
      out.push(frame.subarray(4));
    }
    return out;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) return first;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] as Buffer;
  }

  private take(n: number): Buffer {
    const joined = this.peek(n);
    const frame = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.chunks[0] = rest;
    if (rest.length === 0) this.chunks.shift();
    this.buffered -= n;
    return frame;
  }
}
