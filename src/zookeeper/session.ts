import { EventEmitter } from 'node:events';

import { Reader } from '../protocol/reader.js';
import { CallQueue } from './call-queue.js';
import {
  type ConnectResponse,
  encodeConnectRequest,
  encodeRequest,
  readReplyHeader,
  readWatcherEvent,
} from './codec.js';
import { EMPTY_PASSWORD_LENGTH, OpCode, Xid } from './constants.js';
import {
  ConnectionLossError,
  SessionExpiredError,
  ZooKeeperClosedError,
  ZooKeeperTimeoutError,
} from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from './framer.js';
import { type ParsedConnectString, parseConnectString, toClientPath, toServerPath } from './paths.js';
import type {
  CallSpec,
  SessionInfo,
  ZooKeeperClientEvents,
  ZooKeeperClientOptions,
  ZooKeeperState,
} from './session-types.js';
import { setWatchesFrames } from './set-watches.js';
import { ZkSocket } from './socket.js';
import {
  type WatchEvent,
  type WatchKind,
  WatchRegistry,
  type WatchTarget,
  watchEventType,
} from './watches.js';

/**
 * The session layer: one socket at a time, handshake, pings, watch bookkeeping, reconnection
 * with the same session, expiry and close. Requests and their replies are the {@link CallQueue}'s;
 * operations live in {@link ZooKeeperClient}.
 */
export class ZooKeeperSession extends EventEmitter<ZooKeeperClientEvents> {
  readonly chroot: string | undefined;
  readonly requestedTimeoutMs: number;
  protected readonly watches = new WatchRegistry();
  private readonly servers: ParsedConnectString['servers'];
  private readonly opts: Required<ZooKeeperClientOptions>;
  private stateValue: ZooKeeperState = 'connecting';
  private socket: ZkSocket | undefined;
  private sessionIdValue = 0n;
  private password: Buffer = Buffer.alloc(EMPTY_PASSWORD_LENGTH);
  private negotiatedTimeoutMs = 0;
  private lastZxid = 0n;
  private info: SessionInfo | undefined;
  /** The last session expired: the next handshake opens a new one, announced as `newSession`. */
  private replacingExpired = false;
  private serverIndex = -1;
  private failedAttempts = 0;
  private closing = false;
  private closePromise: Promise<void> | undefined;
  private readonly calls: CallQueue;
  private tickTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(connectString: string, options: ZooKeeperClientOptions = {}) {
    super();
    const parsed = parseConnectString(connectString);
    this.servers = parsed.servers;
    this.chroot = parsed.chroot;
    const sessionTimeoutMs = options.sessionTimeoutMs ?? 6000;
    this.opts = {
      sessionTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? sessionTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      renewSessionOnExpiry: options.renewSessionOnExpiry ?? true,
      closeTimeoutMs: options.closeTimeoutMs ?? 2000,
    };
    this.requestedTimeoutMs = sessionTimeoutMs;
    this.calls = new CallQueue(this.opts.requestTimeoutMs);
  }

  get state(): ZooKeeperState {
    return this.stateValue;
  }

  /** The current session id (0n before the first session). */
  get sessionId(): bigint {
    return this.sessionIdValue;
  }

  /** The session as the server last confirmed it (undefined before the first one). */
  get sessionInfo(): SessionInfo | undefined {
    return this.info;
  }

  /** The timeout the server granted (0 before the first session). */
  get sessionTimeoutMs(): number {
    return this.negotiatedTimeoutMs;
  }

  /** Starts connecting and resolves once a session exists; rejects and closes on connectTimeoutMs. */
  protected start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new ZooKeeperTimeoutError('connect', this.opts.connectTimeoutMs));
        void this.close();
      }, this.opts.connectTimeoutMs);
      const onConnected = (): void => {
        cleanup();
        resolve();
      };
      const onClosed = (): void => {
        cleanup();
        reject(new ZooKeeperClosedError());
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('connected', onConnected);
        this.off('closed', onClosed);
      };
      this.on('connected', onConnected);
      this.on('closed', onClosed);
      this.openSocket();
    });
  }

  /** Sends one request (queued while reconnecting) and resolves with its decoded reply. */
  protected submit<T>(spec: CallSpec<T>): Promise<T> {
    if (this.closing || this.stateValue === 'closed')
      return Promise.reject(new ZooKeeperClosedError(spec.path));
    if (this.stateValue === 'expired') return Promise.reject(new SessionExpiredError(spec.path));
    return this.calls.submit(spec);
  }

  protected serverPath(path: string): string {
    return toServerPath(this.chroot, path);
  }

  protected clientPath(serverPath: string): string {
    return toClientPath(this.chroot, serverPath);
  }

  /** Records a watch once the server accepted the request that set it. */
  protected addWatch(kind: WatchKind, path: string, target: WatchTarget): void {
    this.watches.add(kind, path, target);
  }

  private nextServer(): ParsedConnectString['servers'][number] {
    this.serverIndex = (this.serverIndex + 1) % this.servers.length;
    return this.servers[this.serverIndex] as ParsedConnectString['servers'][number];
  }

  private openSocket(): void {
    this.reconnectTimer = undefined;
    if (this.closing || this.stateValue === 'closed') return;
    const address = this.nextServer();
    const timeout = this.negotiatedTimeoutMs > 0 ? this.negotiatedTimeoutMs : this.opts.sessionTimeoutMs;
    const connectFrame = encodeConnectRequest({
      lastZxidSeen: this.lastZxid,
      timeoutMs: this.opts.sessionTimeoutMs,
      sessionId: this.sessionIdValue,
      password: this.password,
      readOnly: false,
    });
    const socket: ZkSocket = new ZkSocket(
      address,
      {
        connectFrame,
        handshakeTimeoutMs: Math.max(250, Math.floor(timeout / this.servers.length)),
        maxFrameBytes: this.opts.maxFrameBytes,
      },
      {
        onHandshake: (resp) => this.onHandshake(socket, resp),
        onFrame: (body) => this.onFrame(body),
        onClose: (cause) => this.onSocketClose(socket, cause),
      },
    );
    this.socket = socket;
  }

  private onHandshake(socket: ZkSocket, resp: ConnectResponse): void {
    if (resp.timeoutMs <= 0) {
      socket.destroy(
        new SessionExpiredError(undefined, `session 0x${this.sessionIdValue.toString(16)} expired`),
      );
      return;
    }
    const renewed = this.sessionIdValue !== 0n && resp.sessionId !== this.sessionIdValue;
    const fresh = this.sessionIdValue === 0n;
    this.sessionIdValue = resp.sessionId;
    this.password = resp.password;
    this.negotiatedTimeoutMs = resp.timeoutMs;
    this.failedAttempts = 0;
    this.stateValue = 'connected';
    if (!fresh && !renewed) this.restoreWatches(socket);
    this.calls.attach((frame) => socket.send(frame));
    this.startTick(socket);
    const info: SessionInfo = {
      sessionId: resp.sessionId,
      timeoutMs: resp.timeoutMs,
      server: `${socket.address.host}:${socket.address.port}`,
      readOnly: resp.readOnly,
    };
    this.info = info;
    this.emitLater('connected', info);
    if (this.replacingExpired) {
      this.replacingExpired = false;
      this.emitLater('newSession', info);
    }
  }

  /** SetWatches with the last zxid seen: the server fires at once any watch whose node changed meanwhile. */
  private restoreWatches(socket: ZkSocket): void {
    for (const frame of setWatchesFrames(this.watches, this.lastZxid, (p) => this.serverPath(p)))
      socket.send(frame);
  }

  private startTick(socket: ZkSocket): void {
    clearInterval(this.tickTimer);
    const t = this.negotiatedTimeoutMs;
    const readTimeout = Math.floor((t * 2) / 3);
    const pingEvery = Math.floor(t / 3);
    this.tickTimer = setInterval(
      () => {
        const now = Date.now();
        if (now - socket.lastRecvAt > readTimeout) {
          socket.destroy(
            new ConnectionLossError(undefined, `nothing heard from the server for ${readTimeout} ms`),
          );
        } else if (now - socket.lastSendAt >= pingEvery) {
          socket.send(encodeRequest(Xid.ping, OpCode.ping, null));
        }
      },
      Math.max(10, Math.floor(t / 12)),
    );
    this.tickTimer.unref();
  }

  private onFrame(body: Buffer): void {
    const r = new Reader(body);
    const hdr = readReplyHeader(r);
    if (hdr.xid === Xid.ping || hdr.xid === Xid.auth || hdr.xid === Xid.setWatches) return;
    if (hdr.xid === Xid.notification) {
      this.onNotification(readWatcherEvent(r));
      return;
    }
    const call = this.calls.matchReply(hdr.xid);
    // Recorded before decoding: the server has applied up to this zxid even if its body is bad.
    if (hdr.zxid > 0n) this.lastZxid = hdr.zxid;
    this.calls.completeReply(call, hdr.err, r);
  }

  private onNotification(ev: { type: number; state: number; path: string | null }): void {
    const type = watchEventType(ev.type);
    if (type === undefined || ev.path === null) return;
    const path = this.clientPath(ev.path);
    this.deliver(this.watches.take(type, path), { type, path });
  }

  /**
   * Lifecycle events leave the socket handler first: a throwing listener must not be taken for
   * a broken connection.
   */
  private emitLater<K extends keyof ZooKeeperClientEvents>(
    event: K,
    ...args: ZooKeeperClientEvents[K]
  ): void {
    queueMicrotask(() => {
      (this.emit as (e: K, ...a: ZooKeeperClientEvents[K]) => boolean)(event, ...args);
    });
  }

  private deliver(targets: Iterable<WatchTarget>, event: WatchEvent): void {
    for (const t of targets) {
      // Later, not inline: a throwing listener must not unwind the socket handler.
      queueMicrotask(() => (t === true ? this.emit('watch', event) : t(event)));
    }
  }

  private onSocketClose(socket: ZkSocket, cause: unknown): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    const wasConnected = this.stateValue === 'connected';
    if (cause instanceof SessionExpiredError) {
      this.calls.detach(cause);
      this.onExpired(cause);
      return;
    }
    const loss =
      cause instanceof ConnectionLossError
        ? cause
        : new ConnectionLossError(undefined, describeCause(socket, cause), { cause });
    this.calls.detach(loss);
    if (this.closing) return;
    if (wasConnected) {
      this.stateValue = 'connecting';
      this.emitLater('disconnected', loss);
    } else {
      this.failedAttempts++;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer !== undefined) return;
    // Every server of the list once without waiting, then a short random pause per attempt
    // (the Java client sleeps up to 1 s) so a restarting ensemble is not hammered.
    const pause =
      this.failedAttempts < this.servers.length
        ? 0
        : Math.floor(Math.random() * Math.min(1000, this.opts.sessionTimeoutMs / 4));
    this.reconnectTimer = setTimeout(() => this.openSocket(), pause);
  }

  private onExpired(error: SessionExpiredError): void {
    this.stateValue = 'expired';
    this.calls.failHeld(error);
    for (const [path, target] of this.watches.clear())
      this.deliver([target], { type: 'SessionExpired', path });
    this.emitLater('expired', error);
    if (!this.opts.renewSessionOnExpiry || this.closing) return;
    this.sessionIdValue = 0n;
    this.password = Buffer.alloc(EMPTY_PASSWORD_LENGTH);
    this.lastZxid = 0n;
    this.negotiatedTimeoutMs = 0;
    this.replacingExpired = true;
    this.stateValue = 'connecting';
    this.scheduleReconnect();
  }

  /**
   * Ends the session (closeSession, so the server drops our ephemeral nodes at once), then
   * the socket and every timer. Pending calls fail with ZooKeeperClosedError. Idempotent.
   */
  close(): Promise<void> {
    this.closePromise ??= this.doClose();
    return this.closePromise;
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const socket = this.socket;
    if (socket !== undefined && this.stateValue === 'connected') {
      // Best effort: a failed or unanswered closeSession still closes; the server then expires
      // the session (and its ephemeral nodes) after the session timeout instead.
      await this.calls
        .submit(
          { op: OpCode.closeSession, path: undefined, body: null, onReply: () => undefined },
          this.opts.closeTimeoutMs,
        )
        .catch(() => undefined);
    }
    clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    this.socket = undefined;
    socket?.destroy();
    const closed = new ZooKeeperClosedError();
    this.calls.detach(closed);
    this.calls.failHeld(closed);
    this.watches.clear();
    this.stateValue = 'closed';
    this.emit('closed');
  }
}

function describeCause(socket: ZkSocket, cause: unknown): string {
  const where = `${socket.address.host}:${socket.address.port}`;
  return cause instanceof Error
    ? `connection to ${where} lost: ${cause.message}`
    : `connection to ${where} lost`;
}
