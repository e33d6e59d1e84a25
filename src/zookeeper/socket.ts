import { createConnection, type Socket } from 'node:net';
import { type ConnectResponse, decodeConnectResponse } from './codec.js';
import { ConnectionLossError, ZooKeeperTimeoutError } from './errors.js';
import { FrameSplitter } from './framer.js';
import type { ServerAddress } from './paths.js';

export interface ZkSocketHandlers {
  /** The server answered the ConnectRequest (called once, before any onFrame). */
  onHandshake(response: ConnectResponse): void;
  /** One frame body after the handshake. Throwing from here closes the socket with that cause. */
  onFrame(body: Buffer): void;
  /** Called exactly once, whatever ended the socket; `cause` is undefined for a local destroy(). */
  onClose(cause: unknown): void;
}

export interface ZkSocketOptions {
  connectFrame: Buffer;
  /** Time allowed for TCP connect plus the ConnectResponse. */
  handshakeTimeoutMs: number;
  maxFrameBytes: number;
}

/**
 * One TCP connection to one server: sends the ConnectRequest at once, hands back the
 * ConnectResponse, then every later frame. Knows nothing of sessions or requests.
 */
export class ZkSocket {
  readonly address: ServerAddress;
  lastSendAt = Date.now();
  lastRecvAt = Date.now();
  private readonly socket: Socket;
  private readonly splitter: FrameSplitter;
  private readonly handlers: ZkSocketHandlers;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private handshaken = false;
  private closed = false;

  constructor(address: ServerAddress, opts: ZkSocketOptions, handlers: ZkSocketHandlers) {
    this.address = address;
    this.handlers = handlers;
    this.splitter = new FrameSplitter(opts.maxFrameBytes);
    this.socket = createConnection({ host: address.host, port: address.port });
    this.socket.setNoDelay(true);
    this.handshakeTimer = setTimeout(() => {
      this.fail(
        new ZooKeeperTimeoutError(`handshake with ${address.host}:${address.port}`, opts.handshakeTimeoutMs),
      );
    }, opts.handshakeTimeoutMs);
    this.socket.on('connect', () => this.send(opts.connectFrame));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () =>
      this.fail(
        new ConnectionLossError(
          undefined,
          `connection to ${address.host}:${address.port} closed by the server`,
        ),
      ),
    );
  }

  send(frame: Buffer): void {
    if (this.closed) return;
    this.lastSendAt = Date.now();
    this.socket.write(frame);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes locally; onClose receives `cause` (undefined for a deliberate close). */
  destroy(cause?: unknown): void {
    this.fail(cause);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastRecvAt = Date.now();
    try {
      for (const body of this.splitter.push(chunk)) {
        if (this.closed) return;
        if (!this.handshaken) {
          this.handshaken = true;
          clearTimeout(this.handshakeTimer);
          this.handshakeTimer = undefined;
          this.handlers.onHandshake(decodeConnectResponse(body));
        } else {
          this.handlers.onFrame(body);
        }
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(cause: unknown): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.socket.destroy();
    this.handlers.onClose(cause);
  }
}
