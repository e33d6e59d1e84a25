import type { Reader } from '../protocol/reader.js';
import type { ConnectionLossError, SessionExpiredError } from './errors.js';
import type { WatchEvent } from './watches.js';

export interface ZooKeeperClientOptions {
  /** Requested session timeout (`zookeeper.session.timeout.ms`, default 6000); the server may clamp it. */
  sessionTimeoutMs?: number;
  /** How long `connect()` waits for the first session (`zookeeper.connection.timeout.ms`, default = session timeout). */
  connectTimeoutMs?: number;
  /** Upper bound on any one request, queued time included (default 30000). */
  requestTimeoutMs?: number;
  /** Largest frame accepted from a server (default 4 MiB; servers' jute.maxbuffer defaults to 1 MiB). */
  maxFrameBytes?: number;
  /**
   * After an expiry, open a fresh session at once and emit `newSession` (what Kafka's ZkClient
   * does). Default true; false leaves the client expired, every call failing with SessionExpiredError.
   */
  renewSessionOnExpiry?: boolean;
  /** How long `close()` waits for the server to confirm closeSession (default 2000). */
  closeTimeoutMs?: number;
}

export type ZooKeeperState = 'connecting' | 'connected' | 'expired' | 'closed';

export interface SessionInfo {
  sessionId: bigint;
  /** The negotiated timeout. */
  timeoutMs: number;
  /** "host:port" of the server. */
  server: string;
  /** The server's readOnly flag (3.4+), undefined from a 3.3 server. */
  readOnly: boolean | undefined;
}

export interface ZooKeeperClientEvents {
  /** A session was established or resumed on some server. */
  connected: [info: SessionInfo];
  /** The connection broke; requests in flight failed with ConnectionLossError; reconnecting. */
  disconnected: [cause: ConnectionLossError];
  /** The server expired the session: ephemeral nodes and watches are gone. */
  expired: [error: SessionExpiredError];
  /** A fresh session replaced an expired one: re-create ephemeral nodes and watches now. */
  newSession: [info: SessionInfo];
  /** A watch set with `watch: true` fired. */
  watch: [event: WatchEvent];
  closed: [];
}

export interface CallSpec<T> {
  op: number;
  path: string | undefined;
  body: Buffer | null;
  onReply(r: Reader | null, err: number): T;
  acceptErrors?: readonly number[];
}
