/**
 * A scriptable loopback TCP server that speaks just enough of the Kafka framing to inject faults:
 * it parses request frames and hands each to a per-test handler, which may answer with raw bytes
 * or a body builder, answer late, out of order, with the wrong correlation id, with a bogus size
 * prefix, in HTTP or TLS, in tiny TCP writes, cut the connection mid-frame, or never answer.
 *
 * It is not a broker: real-broker conformance lives in the integration tests. Response bodies for
 * real APIs come from the protocol codec's encoders, passed in through `respond(req, body)`.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';

export interface ReceivedRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** The request body: every byte after the client id. */
  body: Buffer;
  /** The whole frame, size prefix included. */
  frame: Buffer;
  /** Which accepted connection it came on (0 for the first). */
  connection: FakeBrokerConnection;
}

/** A response body: raw bytes, or a builder writing into a fresh Writer. */
export type BodySource = Buffer | ((w: Writer) => void);

export type RequestHandler = (req: ReceivedRequest) => void | Promise<void>;

/** Frames `body` as a response: int32 size, int32 correlation id, body. */
export function responseFrame(correlationId: number, body: BodySource = Buffer.alloc(0)): Buffer {
  const w = new Writer(64);
  w.sized((w) => {
    w.int32(correlationId);
    if (typeof body === 'function') body(w);
    else w.raw(body);
  });
  return w.toBuffer();
}

/** What an HTTP server sends back to bytes it cannot parse. */
export const HTTP_BAD_REQUEST = Buffer.from(
  'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n',
  'latin1',
);
/** A TLS 1.2 fatal alert record (handshake_failure), as a TLS listener answers a non-TLS client. */
export const TLS_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);

/** A frame prefix announcing `size` bytes, with nothing after it. */
export function sizePrefix(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size | 0);
  return b;
}

export class FakeBrokerConnection {
  readonly index: number;
  readonly socket: Socket;
  readonly requests: ReceivedRequest[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private readonly broker: FakeBroker;

  constructor(broker: FakeBroker, socket: Socket, index: number) {
    this.broker = broker;
    this.socket = socket;
    this.index = index;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A closed connection parses nothing more; a half-read request, and with a bounded log its
    // requests (each pinning a pooled 8 KiB slab), would otherwise live as long as the broker.
    socket.on('close', () => {
      this.pending = Buffer.alloc(0);
      if (Number.isFinite(broker.keepRequests)) this.requests.length = 0;
    });
    // The client under test may reset the connection at any time; that is not a test failure.
    socket.on('error', () => undefined);
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  /** Writes raw bytes and resolves once they are handed to the kernel. */
  write(bytes: Buffer): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  /** Answers `req` (or the given correlation id) with a framed body. */
  respond(req: ReceivedRequest | number, body: BodySource = Buffer.alloc(0)): Promise<void> {
    return this.write(responseFrame(typeof req === 'number' ? req : req.correlationId, body));
  }

  /**
   * Writes `bytes` in pieces of `pieceBytes`, yielding to the event loop between pieces (Nagle is
   * off), so the client sees them as separate reads as far as TCP allows.
   */
  async writeInPieces(bytes: Buffer, pieceBytes: number): Promise<void> {
    for (let at = 0; at < bytes.length; at += pieceBytes) {
      await this.write(bytes.subarray(at, at + pieceBytes));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Resets the connection (RST where the platform allows). */
  destroy(): void {
    this.socket.resetAndDestroy();
  }

  /** Half-closes after flushing what was written, like a broker shutting the socket cleanly. */
  end(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.end(() => resolve()));
  }

  private onData(chunk: Buffer): void {
    // Test traffic is small, so plain concatenation keeps this parser obviously right.
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || this.pending.length < 4 + size) return;
      const frame = this.pending.subarray(0, 4 + size);
      this.pending = this.pending.subarray(4 + size);
      const r = new Reader(frame, 4);
      const req: ReceivedRequest = {
        apiKey: r.int16('apiKey'),
        apiVersion: r.int16('apiVersion'),
        correlationId: r.int32('correlationId'),
        clientId: r.nullableString('clientId'),
        body: Buffer.from(r.rest()),
        frame: Buffer.from(frame),
        connection: this,
      };
      this.requests.push(req);
      const keep = this.broker.keepRequests;
      if (this.requests.length > keep) this.requests.splice(0, this.requests.length - keep);
      this.broker.deliver(req);
    }
  }
}

export interface FakeBrokerOptions {
  /** Called for every parsed request; the default never answers. */
  handler?: RequestHandler;
  /** Called for every accepted connection before any request, e.g. to send HTTP at once. */
  onConnection?: (conn: FakeBrokerConnection) => void;
  /**
   * How many of the latest requests `requests` keeps (default: all). Long fault runs bound it:
   * the log lives in the same process as the client whose memory they measure.
   */
  keepRequests?: number;
}

export class FakeBroker {
  readonly host = '127.0.0.1';
  readonly connections: FakeBrokerConnection[] = [];
  readonly requests: ReceivedRequest[] = [];
  /** Every request received, including those no longer kept in `requests`. */
  requestCount = 0;
  readonly keepRequests: number;
  handler: RequestHandler;
  onConnection: ((conn: FakeBrokerConnection) => void) | undefined;
  private readonly server: Server;
  private waiters: Array<() => void> = [];
  private portNumber = 0;

  private constructor(options: FakeBrokerOptions) {
    this.handler = options.handler ?? (() => undefined);
    this.keepRequests = options.keepRequests ?? Number.POSITIVE_INFINITY;
    this.onConnection = options.onConnection;
    this.server = createServer((socket) => {
      const conn = new FakeBrokerConnection(this, socket, this.connections.length);
      this.connections.push(conn);
      this.onConnection?.(conn);
      this.wake();
    });
  }

  static async start(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
    const broker = new FakeBroker(options);
    broker.server.listen(0, broker.host);
    await once(broker.server, 'listening');
    const address = broker.server.address();
    if (address === null || typeof address === 'string') throw new Error('fake broker has no TCP port');
    broker.portNumber = address.port;
    return broker;
  }

  get port(): number {
    return this.portNumber;
  }

  /** Resolves once `count` requests in total have arrived; returns the `count`-th. */
  async waitForRequests(count: number): Promise<ReceivedRequest[]> {
    await this.until(() => this.requests.length >= count);
    return this.requests.slice(0, count);
  }

  /** Resolves once `count` connections in total have been accepted. */
  async waitForConnections(count: number): Promise<FakeBrokerConnection[]> {
    await this.until(() => this.connections.length >= count);
    return this.connections.slice(0, count);
  }

  /** Destroys every connection and stops listening. */
  async stop(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal */
  deliver(req: ReceivedRequest): void {
    this.requestCount++;
    this.requests.push(req);
    if (this.requests.length > this.keepRequests)
      this.requests.splice(0, this.requests.length - this.keepRequests);
    this.wake();
    void Promise.resolve(this.handler(req)).catch((err: unknown) => {
      // A broken handler is a broken test: make it loud, and drop the connection so nothing hangs.
      console.error('fake broker handler failed', err);
      req.connection.destroy();
    });
  }

  private until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (ready()) resolve();
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
