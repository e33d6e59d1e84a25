import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { type ApiVersionsResponse, apiVersionsRequest } from '../protocol/api-versions.js';
import type { KafkaRequest } from '../protocol/request.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import {
  type BrokerAddress,
  ConnectionClosedError,
  ConnectionError,
  ConnectTimeoutError,
  RequestAbortedError,
  RequestTimeoutError,
} from './errors.js';
import { explainHangUp } from './protocol-support.js';
import { connectDirect, SocketSession } from './socket-session.js';

/** Room for a 100 MiB fetch answer plus the response envelope around it. */
export const DEFAULT_MAX_RESPONSE_BYTES = 100 * 1024 * 1024 + 1024 * 1024;
const MAX_CORRELATION_ID = 0x7fffffff;
/** The ApiVersions question after a hang-up gets at most this long. */
const PROBE_TIMEOUT_MS = 5000;

export interface BrokerConnectionOptions {
  host: string;
  port: number;
  /** Sent in every request header (default ""). */
  clientId?: string;
  /** Default per-request timeout in ms, like Kafka's socket.timeout.ms (default 30 000). */
  requestTimeoutMs?: number;
  /** TCP handshake limit in ms (default 10 000). */
  connectTimeoutMs?: number;
  /** Largest response frame accepted, prefix excluded (default {@link DEFAULT_MAX_RESPONSE_BYTES}). */
  maxResponseBytes?: number;
  /** Delay before reconnecting after a failure. */
  backoff?: BackoffOptions;
  /** Opens the socket; a test seam (default `net.connect`). */
  createSocket?: (address: BrokerAddress) => Socket;
  /** Waits out a backoff delay; a test seam (default a cancellable timer). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Clock in ms; a test seam (default `Date.now`). */
  now?: () => number;
  /** First correlation id to use (default 1); a test seam for the wrap-around. */
  firstCorrelationId?: number;
}

export interface SendOptions {
  /** Overrides `requestTimeoutMs`; counts from the call, so it includes any reconnect wait. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'closed';

export interface BrokerConnectionEvents {
  /** A TCP connection was established. */
  connect: [address: BrokerAddress];
  /** A connection attempt failed or a live connection died; the next send reconnects. */
  disconnect: [error: ConnectionError];
  /** `close()` finished; the object is unusable from here on. */
  close: [];
}

/**
 * The client side of one broker: a single TCP connection that is opened lazily by the first
 * `send`, carries several pipelined requests at once, and after a failure is reopened by the next
 * `send`, once a jittered exponential backoff has passed. Failures are reported, not retried:
 * whether to retry here, elsewhere, or after a metadata refresh is the caller's decision.
 */
export class BrokerConnection extends EventEmitter<BrokerConnectionEvents> {
  readonly address: BrokerAddress;
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxResponseBytes: number;
  private readonly backoff: Backoff;
  private readonly createSocket: (address: BrokerAddress) => Socket;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  /** Aborted by close(): cancels backoff waits and connection attempts. */
  private readonly lifecycle = new AbortController();
  private session: SocketSession | undefined;
  private connecting: Promise<SocketSession> | undefined;
  private connectingSocket: Socket | undefined;
  private retryAt = 0;
  private nextCorrelationId: number;
  private closing: Promise<void> | undefined;
  /** The broker's ApiVersions answer, once a hang-up made us ask (see protocol-support.ts). */
  private apiVersions: Promise<ApiVersionsResponse | undefined> | undefined;

  constructor(options: BrokerConnectionOptions) {
    super();
    this.address = { host: options.host, port: options.port };
    this.clientId = options.clientId ?? '';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.backoff = new Backoff(options.backoff);
    this.createSocket = options.createSocket ?? ((a) => connectDirect(a.host, a.port));
    this.sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }));
    this.now = options.now ?? Date.now;
    this.nextCorrelationId = options.firstCorrelationId ?? 1;
    if (!(this.maxResponseBytes >= 4)) throw new RangeError('maxResponseBytes must be at least 4');
  }

  get state(): ConnectionState {
    if (this.closing !== undefined) return 'closed';
    if (this.session?.alive) return 'connected';
    return this.connecting === undefined ? 'idle' : 'connecting';
  }

  /** Requests sent and waiting for their response on the current connection. */
  get inFlight(): number {
    return this.session?.alive ? this.session.inFlight : 0;
  }

  /**
   * Sends one request and resolves with its decoded response (with `undefined` for a request
   * that expects none, i.e. Produce with RequiredAcks 0, once the bytes are written).
   *
   * Rejects with a {@link ConnectionError} subclass when the transport failed (the connection is
   * then gone and the next send reconnects), {@link RequestAbortedError} when `signal` fired, or
   * the decoder's ProtocolDecodeError when the answer arrived but could not be decoded (the
   * connection stays up).
   */
  async send<T>(request: KafkaRequest<T>, options: SendOptions = {}): Promise<T> {
    const { signal } = options;
    const totalMs = options.timeoutMs ?? this.requestTimeoutMs;
    const started = this.now();
    if (this.closing !== undefined) throw this.closedError();
    if (signal?.aborted) throw new RequestAbortedError(this.address, request.apiKey, signal.reason);
    // Connected: write now, synchronously, so a caller that sends and then does other work
    // (the fetch engine sends its next fetch before waking the consumer) has the bytes out first.
    const live = this.session;
    if (live?.alive)
      return live
        .send(request, this.takeCorrelationId(), { remainingMs: totalMs, totalMs }, signal)
        .catch((err: unknown) => this.rethrowExplained(err, request));

    const session = await this.waitForSession(request.apiKey, totalMs, signal);
    if (this.closing !== undefined) throw this.closedError();
    const remainingMs = totalMs - (this.now() - started);
    return session
      .send(request, this.takeCorrelationId(), { remainingMs, totalMs }, signal)
      .catch((err: unknown) => this.rethrowExplained(err, request));
  }

  /** A broker that hangs up on a request may be one that dropped the 0.8 protocol: ask it. */
  private async rethrowExplained(err: unknown, request: KafkaRequest<unknown>): Promise<never> {
    throw await explainHangUp(err, request, this.address, () => this.probeApiVersions());
  }

  /** The broker's API versions, asked once per connection object on a connection of its own. */
  private probeApiVersions(): Promise<ApiVersionsResponse | undefined> {
    if (this.apiVersions !== undefined) return this.apiVersions;
    const probe = new BrokerConnection({
      host: this.address.host,
      port: this.address.port,
      clientId: this.clientId,
      requestTimeoutMs: Math.min(this.requestTimeoutMs, PROBE_TIMEOUT_MS),
      connectTimeoutMs: Math.min(this.connectTimeoutMs, PROBE_TIMEOUT_MS),
      createSocket: this.createSocket,
    });
    const asked = probe
      .send(apiVersionsRequest(), { signal: this.lifecycle.signal })
      .then(
        (versions) => versions,
        () => undefined,
      )
      .finally(() => probe.close());
    // Only an answer is kept: a broker that could not say may be restarting, or upgraded later.
    this.apiVersions = asked.then((v) => {
      if (v === undefined) this.apiVersions = undefined;
      return v;
    });
    return this.apiVersions;
  }

  /**
   * Stops accepting sends and closes the socket. In-flight requests are rejected with
   * {@link ConnectionClosedError}, or with `drain: true` allowed to finish (each still bounded by
   * its own timeout) first. Resolves once the socket is fully closed.
   */
  close(options: { drain?: boolean } = {}): Promise<void> {
    if (this.closing === undefined) this.closing = this.shutdown(options.drain === true);
    return this.closing;
  }

  private async shutdown(drain: boolean): Promise<void> {
    const session = this.session;
    this.lifecycle.abort(this.closedError());
    this.connectingSocket?.destroy();
    if (session !== undefined) {
      if (drain) await session.whenIdle();
      session.destroy(this.closedError());
      await session.closed;
    }
    // Let a connection attempt cut short above settle, so no socket outlives close().
    await this.connecting?.catch(() => undefined);
    this.emit('close');
  }

  private closedError(): ConnectionClosedError {
    return new ConnectionClosedError(this.address, 'connection closed by the client');
  }

  private takeCorrelationId(): number {
    const id = this.nextCorrelationId;
    // 0 is skipped so that an answer with id 0 (the ConsumerMetadata quirk) is never ambiguous.
    this.nextCorrelationId = id >= MAX_CORRELATION_ID ? 1 : id + 1;
    return id;
  }

  /** The live session, opening one (after the backoff) if needed, bounded by the send's timeout. */
  private waitForSession(
    apiKey: number,
    totalMs: number,
    signal: AbortSignal | undefined,
  ): Promise<SocketSession> {
    if (this.session?.alive) return Promise.resolve(this.session);
    this.connecting ??= this.openSession().finally(() => {
      this.connecting = undefined;
    });
    const opening = this.connecting;
    return new Promise<SocketSession>((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new RequestTimeoutError(this.address, apiKey, undefined, totalMs));
      }, totalMs);
      timer.unref();
      const onAbort = (): void => {
        done();
        reject(new RequestAbortedError(this.address, apiKey, signal?.reason));
      };
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      opening.then(
        (s) => {
          done();
          resolve(s);
        },
        (e: unknown) => {
          done();
          reject(e);
        },
      );
    });
  }

  private async openSession(): Promise<SocketSession> {
    const wait = this.retryAt - this.now();
    if (wait > 0) {
      try {
        await this.sleep(wait, this.lifecycle.signal);
      } catch {
        throw this.closedError();
      }
    }
    if (this.lifecycle.signal.aborted) throw this.closedError();
    let socket: Socket;
    try {
      socket = await this.connectSocket();
    } catch (err) {
      const error =
        err instanceof ConnectionError ? err : new ConnectionError(this.address, 'connect failed', err);
      if (!(error instanceof ConnectionClosedError)) this.recordFailure(error);
      throw error;
    }
    if (this.lifecycle.signal.aborted) {
      socket.destroy();
      throw this.closedError();
    }
    const session = new SocketSession(socket, {
      address: this.address,
      clientId: this.clientId,
      maxResponseBytes: this.maxResponseBytes,
      onResponse: () => this.backoff.reset(),
      onEnd: (error) => {
        if (this.session === session) this.session = undefined;
        if (!(error instanceof ConnectionClosedError)) this.recordFailure(error);
      },
    });
    this.session = session;
    this.emit('connect', this.address);
    return session;
  }

  /**
   * The backoff is reset only by a response, not by a completed handshake: a broker that accepts
   * and then drops every connection must still be retried ever more slowly.
   */
  private recordFailure(error: ConnectionError): void {
    this.retryAt = this.now() + this.backoff.next();
    this.emit('disconnect', error);
  }

  private connectSocket(): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      // The address may come from a broken or hostile Metadata answer.
      const problem = addressProblem(this.address);
      if (problem !== undefined) {
        reject(new ConnectionError(this.address, `not a broker address: ${problem}`));
        return;
      }
      let socket: Socket;
      try {
        socket = this.createSocket(this.address);
      } catch (err) {
        reject(new ConnectionError(this.address, 'connect failed', err));
        return;
      }
      this.connectingSocket = socket;
      let settled = false;
      const settle = (error: ConnectionError | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (this.connectingSocket === socket) this.connectingSocket = undefined;
        if (error === undefined) {
          resolve(socket);
          return;
        }
        socket.destroy();
        reject(error);
      };
      const onConnect = (): void => settle(undefined);
      const onError = (err: Error): void =>
        settle(new ConnectionError(this.address, `connect failed: ${err.message}`, err));
      // close() destroys the socket while it connects; a destroyed socket emits only 'close'.
      const onClose = (): void =>
        settle(
          this.lifecycle.signal.aborted
            ? this.closedError()
            : new ConnectionError(this.address, 'socket closed while connecting'),
        );
      const timer = setTimeout(
        () => settle(new ConnectTimeoutError(this.address, this.connectTimeoutMs)),
        this.connectTimeoutMs,
      );
      timer.unref();
      socket.once('connect', onConnect);
      socket.once('error', onError);
      socket.once('close', onClose);
    });
  }
}

/** Why a host and port cannot be connected to, or undefined when they can be tried. */
function addressProblem(address: BrokerAddress): string | undefined {
  const { host, port } = address;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `port ${port} is outside 1..65535`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (host.length === 0 || host.length > 253 || /[\u0000-\u0020\u007f-\u009f\ufffd]/.test(host))
    return `host ${JSON.stringify(host)} is not a host name or address`;
  return undefined;
}
