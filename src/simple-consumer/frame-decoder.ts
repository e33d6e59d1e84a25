import { type BrokerAddress, type ForeignProtocol, FrameSizeError, NotKafkaError } from './errors.js';
import { framePool } from './frame-pool.js';

const SIZE_BYTES = 4;
/** Reads land here while no frame is being assembled (its bytes are copied out, never viewed). */
const SCRATCH_BYTES = 64 * 1024;
/** The smallest response frame: just the correlation id. */
export const MIN_FRAME_BYTES = 4;
/**
 * Memory given to a frame before its bytes arrive; it then doubles as they do. A size prefix
 * alone is a claim, not data: allocating it at once let a peer that sends "100 MiB" and then
 * nothing hold 100 MiB per connection, outside every budget.
 */
export const INITIAL_FRAME_BYTES = 128 * 1024;

/**
 * The memory of frames this module allocated for one frame alone: no other frame, chunk or
 * scratch buffer lies in it, so {@link releaseFrame} may free it.
 */
const ownFrames = new WeakSet<ArrayBufferLike>();

/**
 * Frees a frame's memory now, if it is one this module allocated for that frame alone (anything
 * else is left as it is); every view into it reads as empty afterwards. Why not leave it to the
 * collector: a frame that lived through a few scavenges sits in V8's old space, and its memory
 * comes back only with a full collection, so MiB-sized frames arriving hundreds of times a second
 * pile up as tens of MiB of dead frames. Transferred into a new object that dies young, the
 * memory goes at the next scavenge instead, or to the next large frame (see frame-pool.ts).
 */
export function releaseFrame(memory: ArrayBufferLike): void {
  if (!ownFrames.delete(memory)) return;
  try {
    framePool.give(structuredClone(memory as ArrayBuffer, { transfer: [memory as ArrayBuffer] }));
  } catch {
    // Already detached, or not transferable here: the collector frees it as before.
  }
}

/**
 * Memory for `size` bytes of a frame: a released frame's when the pool has one that fits, else
 * new memory, rounded up so that it may serve a later frame of about the same size.
 */
function allocFrame(size: number): Buffer {
  const pooled = framePool.take(size);
  if (pooled !== undefined) return Buffer.from(pooled, 0, size);
  const capacity = framePool.capacityFor(size);
  const buf = Buffer.allocUnsafeSlow(capacity);
  return capacity === size ? buf : buf.subarray(0, size);
}

/** `buf` (from allocFrame: memory of its own) as a frame {@link releaseFrame} may free. */
function own(buf: Buffer): Buffer {
  ownFrames.add(buf.buffer);
  return buf;
}

/**
 * Recognises a few well-known protocols from the first four bytes a peer sent, so that a wrong
 * port gives a message naming the mistake instead of "frame size 1213486160 is too large".
 */
export function sniffForeignProtocol(head: Buffer): ForeignProtocol | undefined {
  if (head.length < 4) return undefined;
  const ascii = head.toString('latin1', 0, 4);
  if (ascii === 'HTTP') return 'HTTP';
  if (ascii === 'SSH-') return 'SSH';
  // A TLS record header: content type 20-23 (change_cipher_spec, alert, handshake, application
  // data), then the major version 3 shared by SSL 3.0 and every TLS version.
  const type = head[0]!;
  if (type >= 0x14 && type <= 0x17 && head[1] === 0x03 && head[2]! <= 0x04) return 'TLS';
  return undefined;
}

/**
 * Splits a TCP byte stream into response frames (int32 size prefix, then that many bytes).
 *
 * Sizes are validated before anything is allocated. A frame lying wholly inside one chunk is
 * handed out as a zero-copy view; otherwise a buffer is filled as chunks arrive, starting at
 * {@link INITIAL_FRAME_BYTES} and doubling (up to the announced size) as the bytes come, so
 * memory follows what was received, never what a prefix claims, and a 100 MiB response arriving
 * in 64 KiB pieces costs one extra copy in all instead of a re-concatenation on every chunk.
 * A frame no larger than its request asked for is allocated whole at once and costs no copy.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly address: BrokerAddress;
  private readonly head = Buffer.alloc(SIZE_BYTES);
  private headFilled = 0;
  /** Storage of the frame being assembled: `frameSize` bytes once complete, fewer until then. */
  private frame: Buffer | null = null;
  private frameSize = 0;
  private frameFilled = 0;
  private framesSeen = 0;
  private scratch: Buffer | undefined;
  /** What readTarget() last returned, and whether it is the rest of the frame being assembled. */
  private target: Buffer | undefined;
  private targetIsFrame = false;

  /** Frames up to this size are allocated whole at once (see the constructor). */
  private readonly expectedBytes: () => number;
  /** Told of every read written straight into a frame allocated whole (see the constructor). */
  private readonly onProgress: ((frame: Buffer, filled: number) => void) | undefined;

  /**
   * `expectedBytes` says how large the next frame may legitimately be (what the request it
   * answers asked for, 0 if unknown). A frame announcing no more is allocated at its full size
   * at once: the bytes were asked for, so memory for them is no claim of the peer's, and the
   * kernel then writes every read into the final buffer (growing a 2 MiB frame by doubling
   * copied about 2 MiB more, 18 % of the CPU profile of the 10 KB benchmark).
   *
   * `onProgress(frame, filled)` is called after each read into such a frame (before `onFrame`
   * for the last one), so its bytes can be worked on while the rest is on the wire.
   */
  constructor(
    maxFrameBytes: number,
    address: BrokerAddress,
    expectedBytes: () => number = () => 0,
    onProgress?: (frame: Buffer, filled: number) => void,
  ) {
    this.maxFrameBytes = maxFrameBytes;
    this.address = address;
    this.expectedBytes = expectedBytes;
    this.onProgress = onProgress;
  }

  /** Bytes of an incomplete frame (prefix included) held back, waiting for more input. */
  get pendingBytes(): number {
    return this.frame === null ? this.headFilled : SIZE_BYTES + this.frameFilled;
  }

  /** The announced size of the frame being assembled, if its prefix is complete. */
  get pendingFrameSize(): number | undefined {
    return this.frame === null ? undefined : this.frameSize;
  }

  /**
   * Feeds one chunk and calls `onFrame` for every frame it completes (the frame excludes the
   * size prefix). With `copy`, frames are never views into `chunk` (its memory will be
   * reused). Throws {@link FrameSizeError} or {@link NotKafkaError}; after a throw the stream
   * is out of step and the decoder must be discarded. An exception from `onFrame`
   * propagates and stops the loop.
   */
  /**
   * For sockets read with `onread`: where the next read should land. While a frame is being
   * assembled that is the rest of the frame itself, so the kernel writes the bytes where they
   * will stay (no socket chunk is allocated and none is copied); otherwise a reused scratch
   * buffer.
   */
  readTarget(): Buffer {
    if (this.frame !== null) {
      this.target = this.room(1).subarray(this.frameFilled);
      this.targetIsFrame = true;
    } else {
      this.scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
      this.target = this.scratch;
      this.targetIsFrame = false;
    }
    return this.target;
  }

  /**
   * `n` bytes were read into `buf`: the buffer readTarget() returned, or any other (those bytes
   * are treated as a chunk whose memory will be reused, so frames in it are copied out).
   */
  wrote(n: number, buf: Uint8Array, onFrame: (frame: Buffer) => void): void {
    const direct = buf === this.target && this.targetIsFrame && this.frame !== null;
    this.target = undefined;
    if (!direct) {
      this.push(Buffer.from(buf.buffer, buf.byteOffset, n), onFrame, true);
      return;
    }
    const frame = this.frame!;
    this.frameFilled += n;
    if (this.onProgress !== undefined && frame.length === this.frameSize)
      this.onProgress(frame, this.frameFilled);
    if (this.frameFilled === this.frameSize) {
      this.frame = null;
      this.headFilled = 0;
      this.framesSeen++;
      onFrame(own(frame));
    }
  }

  push(chunk: Buffer, onFrame: (frame: Buffer) => void, copy = false): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.frame === null) {
        if (this.headFilled === 0 && chunk.length - at >= SIZE_BYTES) {
          const size = this.checkSize(chunk.subarray(at, at + SIZE_BYTES));
          if (chunk.length - at - SIZE_BYTES >= size) {
            at += SIZE_BYTES;
            this.framesSeen++;
            const view = chunk.subarray(at, at + size);
            onFrame(copy ? ownCopy(view) : view);
            at += size;
            continue;
          }
        }
        const n = Math.min(SIZE_BYTES - this.headFilled, chunk.length - at);
        chunk.copy(this.head, this.headFilled, at, at + n);
        this.headFilled += n;
        at += n;
        if (this.headFilled < SIZE_BYTES) return;
        this.frameSize = this.checkSize(this.head);
        const whole = this.frameSize <= INITIAL_FRAME_BYTES || this.frameSize <= this.expectedBytes();
        this.frame = allocFrame(whole ? this.frameSize : INITIAL_FRAME_BYTES);
        this.frameFilled = 0;
      }
      const n = Math.min(this.frameSize - this.frameFilled, chunk.length - at);
      chunk.copy(this.room(n), this.frameFilled, at, at + n);
      this.frameFilled += n;
      at += n;
      if (this.frameFilled === this.frameSize) {
        const done = this.frame!;
        this.frame = null;
        this.headFilled = 0;
        this.framesSeen++;
        onFrame(own(done));
      }
    }
  }

  /**
   * The frame's storage with room for `n` more bytes (at least one, at most what the frame still
   * lacks), doubled as needed. Not from Node's shared 8 KiB pool: views into a frame then keep
   * only the frame alive.
   */
  private room(n: number): Buffer {
    const frame = this.frame!;
    const needed = Math.min(this.frameSize, this.frameFilled + n);
    if (needed <= frame.length) return frame;
    const grown = allocFrame(Math.min(this.frameSize, Math.max(needed, 2 * frame.length)));
    frame.copy(grown, 0, 0, this.frameFilled);
    this.frame = grown;
    return grown;
  }

  private checkSize(head: Buffer): number {
    const size = head.readInt32BE(0);
    const valid = size >= MIN_FRAME_BYTES && size <= this.maxFrameBytes;
    // Only the first frame is sniffed when the size is plausible: later on, any four bytes are
    // a legitimate size, and a 0x16030100-byte frame is merely large, not TLS.
    if (!valid || this.framesSeen === 0) {
      const foreign = sniffForeignProtocol(head);
      if (foreign !== undefined) throw new NotKafkaError(this.address, foreign);
    }
    if (!valid) throw new FrameSizeError(this.address, size, this.maxFrameBytes);
    return size;
  }
}

/** A copy in its own memory (not a slice of the shared pool, which other buffers keep alive). */
function ownCopy(view: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(view.length);
  view.copy(out);
  // Not registered for releaseFrame: these fit one read (at most 64 KiB) and die young anyway,
  // and a WeakSet entry per small answer (metadata, produce acks, probes) costs more than it saves.
  return out;
}
