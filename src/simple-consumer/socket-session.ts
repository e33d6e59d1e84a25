import { Socket, type SocketConstructorOpts, type TcpSocketConnectOpts } from 'node:net';
import { Kafka08Error, ProtocolDecodeError } from '../protocol/errors.js';
import { Reader } from '../protocol/reader.js';
import { ApiKey, encodeRequestChunks, type KafkaRequest } from '../protocol/request.js';
import {
  type BrokerAddress,
  ClosedByBrokerError,
  ConnectionError,
  CorrelationMismatchError,
  RequestAbortedError,
  RequestTimeoutError,
} from './errors.js';
import { FrameDecoder } from './frame-decoder.js';

export interface SessionOptions {
  address: BrokerAddress;
  clientId: string;
  maxResponseBytes: number;
  /** Called once per response frame that matched its request: proof the peer speaks Kafka. */
  onResponse: () => void;
  /** Called exactly once, when the session dies, with the error that killed it. */
  onEnd: (error: ConnectionError) => void;
}

export interface SendTimeout {
  /** Time left for this request, after any wait for the connection. */
  remainingMs: number;
  /** The timeout the caller asked for, reported in the error. */
  totalMs: number;
}

interface InFlight {
  readonly correlationId: number;
  readonly request: KafkaRequest<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  cleanup(): void;
}

interface DirectReader {
  readTarget(): Buffer;
  wrote(n: number, buf: Uint8Array): void;
}

/**
 * The `onread` hooks of a socket opened by {@link connectDirect}. They must exist before the
 * socket does, while the session that consumes the bytes is created only once it is connected:
 * until then reads go to a scratch buffer and are kept (copied) for the session.
 */
class ReadRelay {
  private reader: DirectReader | undefined;
  private scratch: Buffer | undefined;
  private early: Buffer[] = [];

  readonly buffer = (): Buffer => {
    if (this.reader !== undefined) return this.reader.readTarget();
    this.scratch ??= Buffer.allocUnsafeSlow(4096);
    return this.scratch;
  };

  /** Never pauses the socket: flow control is the engine's budget, not TCP. */
  readonly callback = (n: number, buf: Uint8Array): boolean => {
    if (this.reader !== undefined) this.reader.wrote(n, buf);
    else this.early.push(Buffer.from(buf.subarray(0, n)));
    return true;
  };

  attach(reader: DirectReader): void {
    this.reader = reader;
    const early = this.early;
    this.early = [];
    for (const b of early) reader.wrote(b.length, b);
  }
}

const relays = new WeakMap<Socket, ReadRelay>();

/**
 * Opens a TCP connection whose reads go straight into the response frame being assembled
 * (`onread`), instead of into a fresh 64 KiB chunk per read that is then copied into the frame.
 */
export function connectDirect(host: string, port: number): Socket {
  const relay = new ReadRelay();
  // Node reads `onread` in the constructor too (net.connect passes its options to both).
  const options: SocketConstructorOpts & Pick<TcpSocketConnectOpts, 'onread'> = {
    onread: { buffer: relay.buffer, callback: relay.callback },
  };
  const socket = new Socket(options);
  try {
    socket.connect({ host, port });
  } catch (err) {
    // Node throws on some bad addresses after it has opened the socket's handle: close it.
    socket.destroy();
    throw err;
  }
  relays.set(socket, relay);
  return socket;
}

/**
 * One live TCP socket to a broker: writes request frames, splits the answer stream into frames,
 * and matches each frame to the oldest request still waiting (a 0.8 broker answers in order).
 *
 * Any sign that the stream can no longer be trusted (bad frame size, foreign protocol, wrong
 * correlation id, a timed-out or aborted request whose answer may still arrive) destroys the
 * session and fails every request on it; a session is never reused after that. A response that
 * merely fails to decode fails only its own request: the framing around it is still sound.
 */
export class SocketSession {
  private readonly socket: Socket;
  private readonly options: SessionOptions;
  private readonly decoder: FrameDecoder;
  private readonly queue: InFlight[] = [];
  private writesPending = 0;
  private idleWaiters: Array<() => void> = [];
  private deathError: ConnectionError | undefined;
  /** Settles when the socket has fully closed. */
  readonly closed: Promise<void>;

  constructor(socket: Socket, options: SessionOptions) {
    this.socket = socket;
    this.options = options;
    // Answers come in request order, so the next frame answers the oldest request waiting.
    this.decoder = new FrameDecoder(
      options.maxResponseBytes,
      options.address,
      () => this.queue[0]?.request.responseBytesBound ?? 0,
      (frame, filled) => this.queue[0]?.request.watchResponse?.(frame, filled),
    );
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    const relay = relays.get(socket);
    if (relay === undefined) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    else
      relay.attach({
        readTarget: () => this.decoder.readTarget(),
        wrote: (n, buf) => this.onRead(n, buf),
      });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const message = `socket error: ${err.message}`;
      // A reset, or a write into a socket the broker already closed: the broker hung up on us,
      // and whether it did so mid-answer matters as much as after a clean close (a peer that
      // closes with our request unread resets, as Node 24 sockets do when destroyed).
      const hungUp = err.code === 'ECONNRESET' || err.code === 'EPIPE';
      this.destroy(
        hungUp ? this.closedByPeerError(message, err) : new ConnectionError(options.address, message, err),
      );
    });
    socket.on('close', () => this.destroy(this.closedByPeerError()));
    this.updateRef();
  }

  get alive(): boolean {
    return this.deathError === undefined;
  }

  /** Requests written and waiting for their response. */
  get inFlight(): number {
    return this.queue.length;
  }

  send<T>(
    request: KafkaRequest<T>,
    correlationId: number,
    timeout: SendTimeout,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (this.deathError !== undefined) return Promise.reject(this.deathError);
    const frame = encodeRequestChunks(request, correlationId, this.options.clientId);
    if (!request.expectsResponse) return this.sendWithoutResponse(frame);

    return new Promise<T>((resolve, reject) => {
      const address = this.options.address;
      const onTimeout = (): void => {
        const error = new RequestTimeoutError(address, request.apiKey, correlationId, timeout.totalMs);
        this.failOne(entry, error, `request ${correlationId} timed out`);
      };
      const onAbort = (): void => {
        const error = new RequestAbortedError(address, request.apiKey, signal?.reason);
        this.failOne(entry, error, `request ${correlationId} was aborted`);
      };
      // The socket keeps the process alive while a request is out; the timer need not.
      const timer = setTimeout(onTimeout, Math.max(0, timeout.remainingMs));
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      const entry: InFlight = {
        correlationId,
        request,
        resolve: resolve as (value: unknown) => void,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.queue.push(entry);
      this.updateRef();
      this.write(frame);
    });
  }

  /**
   * Produce with RequiredAcks 0: the broker sends nothing back, so the request takes no place in
   * the response queue and is done once the kernel has taken the bytes. Callers type such a
   * request as `KafkaRequest<void>`; the promise resolves with `undefined`.
   */
  private sendWithoutResponse<T>(frame: Uint8Array[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.writesPending++;
      this.updateRef();
      this.write(frame, (err) => {
        this.writesPending--;
        this.updateRef();
        this.notifyIfIdle();
        if (err) reject(this.deathError ?? new ConnectionError(this.options.address, 'write failed', err));
        else resolve(undefined as T);
      });
    });
  }

  /**
   * Writes a frame's pieces as one write (a Produce request's message sets are pieces of their
   * own, not copied into the frame); `done` is called once the last piece is written.
   */
  private write(frame: Uint8Array[], done?: (err?: Error | null) => void): void {
    if (frame.length === 1) {
      this.socket.write(frame[0]!, done);
      return;
    }
    this.socket.cork();
    for (let i = 0; i < frame.length - 1; i++) this.socket.write(frame[i]!);
    this.socket.write(frame[frame.length - 1]!, done);
    this.socket.uncork();
  }

  /** Resolves once nothing is in flight (or the session died): used by `close({ drain: true })`. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Fails every waiting request with `error` and destroys the socket. Idempotent. */
  destroy(error: ConnectionError): void {
    if (this.deathError !== undefined) return;
    this.deathError = error;
    const waiting = this.queue.splice(0);
    for (const entry of waiting) {
      entry.cleanup();
      entry.reject(error);
    }
    this.socket.destroy();
    this.notifyIfIdle();
    this.options.onEnd(error);
  }

  /** One request failed on its own (timeout, abort); the others go down with the connection. */
  private failOne(entry: InFlight, error: Kafka08Error, why: string): void {
    const index = this.queue.indexOf(entry);
    if (index < 0) return;
    this.queue.splice(index, 1);
    entry.cleanup();
    entry.reject(error);
    // Its answer may still arrive and would be taken for the next request's: start afresh.
    this.destroy(new ConnectionError(this.options.address, `${why}; connection destroyed`, error));
  }

  private onRead(n: number, buf: Uint8Array): void {
    if (this.deathError !== undefined) return;
    try {
      this.decoder.wrote(n, buf, (frame) => this.onFrame(frame));
    } catch (err) {
      this.destroy(
        err instanceof ConnectionError
          ? err
          : new ConnectionError(this.options.address, 'failed to process a response frame', err),
      );
    }
  }

  private onData(chunk: Buffer): void {
    if (this.deathError !== undefined) return;
    try {
      this.decoder.push(chunk, (frame) => this.onFrame(frame));
    } catch (err) {
      this.destroy(
        err instanceof ConnectionError
          ? err
          : new ConnectionError(this.options.address, 'failed to process a response frame', err),
      );
    }
  }

  private onFrame(frame: Buffer): void {
    const received = frame.readInt32BE(0);
    const head = this.queue[0];
    if (head === undefined) throw new CorrelationMismatchError(this.options.address, undefined, received);
    // 0.8.2 answers a ConsumerMetadata request that hit a broker-side exception with id 0.
    const quirk = received === 0 && head.request.apiKey === ApiKey.ConsumerMetadata;
    if (received !== head.correlationId && !quirk) {
      throw new CorrelationMismatchError(this.options.address, head.correlationId, received);
    }
    this.queue.shift();
    head.cleanup();
    this.options.onResponse();
    try {
      head.resolve(head.request.decodeResponse(new Reader(frame, 4, frame.length)));
    } catch (err) {
      head.reject(asDecodeError(err, head.request.apiKey));
    }
    this.updateRef();
    this.notifyIfIdle();
  }

  private isIdle(): boolean {
    return this.deathError !== undefined || (this.queue.length === 0 && this.writesPending === 0);
  }

  private notifyIfIdle(): void {
    if (!this.isIdle() || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** An idle connection must not keep the process alive; one with work outstanding must. */
  private updateRef(): void {
    if (this.deathError !== undefined) return;
    if (this.queue.length > 0 || this.writesPending > 0) this.socket.ref();
    else this.socket.unref();
  }

  private closedByPeerError(how = 'connection closed by the broker', cause?: Error): ClosedByBrokerError {
    const parts = [how];
    const size = this.decoder.pendingFrameSize;
    if (size !== undefined)
      parts.push(`mid-frame (${this.decoder.pendingBytes - 4} of ${size} bytes received)`);
    else if (this.decoder.pendingBytes > 0)
      parts.push(`mid-frame (${this.decoder.pendingBytes} of 4 size bytes)`);
    if (this.queue.length > 0) parts.push(`with ${this.queue.length} request(s) in flight`);
    return new ClosedByBrokerError(this.options.address, parts.join(' '), this.queue.length, cause);
  }
}

/** A decoder must only throw ProtocolDecodeError; anything else is a decoder bug, still contained. */
function asDecodeError(err: unknown, apiKey: number): Kafka08Error {
  if (err instanceof Kafka08Error) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ProtocolDecodeError(
    `response decoder failed unexpectedly: ${message}`,
    0,
    `response(apiKey=${apiKey})`,
    undefined,
    err,
  );
}
