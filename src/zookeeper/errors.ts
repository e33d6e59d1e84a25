import { Kafka08Error } from '../protocol/errors.js';
import { ErrorCodes } from './constants.js';

const CODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(ErrorCodes).map(([name, code]) => [code, name]),
);

/** A ZooKeeper operation failed: `code` is the server's (or the Java client's) KeeperException code. */
export class ZooKeeperError extends Kafka08Error {
  readonly code: number;
  /** The client-side path (without chroot) the operation was about, when there was one. */
  readonly path: string | undefined;

  constructor(code: number, path: string | undefined, message?: string, options?: { cause?: unknown }) {
    const name = CODE_NAMES.get(code) ?? `error ${code}`;
    super(message ?? `ZooKeeper ${name}${path === undefined ? '' : ` for ${path}`}`, {}, options);
    this.code = code;
    this.path = path;
  }
}

export class NoNodeError extends ZooKeeperError {
  constructor(path?: string) {
    super(ErrorCodes.noNode, path);
  }
}

export class NodeExistsError extends ZooKeeperError {
  constructor(path?: string, message?: string) {
    super(ErrorCodes.nodeExists, path, message);
  }
}

/**
 * `createEphemeralExpectConflict` found the node already there holding other data: someone else
 * owns it (Kafka's ZkUtils throws ZkNodeExistsException in the same case).
 */
export class NodeConflictError extends NodeExistsError {
  readonly existingData: Buffer;

  constructor(path: string, existingData: Buffer) {
    super(path, `ZooKeeper node ${path} already exists with different data`);
    this.existingData = existingData;
  }
}

export class BadVersionError extends ZooKeeperError {
  constructor(path?: string) {
    super(ErrorCodes.badVersion, path);
  }
}

export class NotEmptyError extends ZooKeeperError {
  constructor(path?: string) {
    super(ErrorCodes.notEmpty, path);
  }
}

/**
 * The server no longer knows the session: its ephemeral nodes and watches are gone. Owners of
 * ephemeral nodes must create them again in the new session (the client's `newSession` event).
 */
export class SessionExpiredError extends ZooKeeperError {
  constructor(path?: string, message?: string) {
    super(ErrorCodes.sessionExpired, path, message);
  }
}

/**
 * The connection broke while the request was in flight: it may or may not have been applied.
 * The session survives if the client reconnects within the session timeout, so retrying is safe
 * for idempotent operations.
 */
export class ConnectionLossError extends ZooKeeperError {
  constructor(path?: string, message?: string, options?: { cause?: unknown }) {
    super(ErrorCodes.connectionLoss, path, message, options);
  }
}

/** No answer (or no session) within the configured time; `code` is OperationTimeout. */
export class ZooKeeperTimeoutError extends ZooKeeperError {
  readonly operation: string;
  readonly timeoutMs: number;

  constructor(operation: string, timeoutMs: number, path?: string) {
    super(
      ErrorCodes.operationTimeout,
      path,
      `ZooKeeper ${operation}${path === undefined ? '' : ` ${path}`} timed out after ${timeoutMs} ms`,
    );
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The client was closed: nothing more will be sent. The code is SessionExpired, as the Java client
 * reports for a closed handle, but this is deliberately not a {@link SessionExpiredError}: no
 * new session will follow.
 */
export class ZooKeeperClosedError extends ZooKeeperError {
  constructor(path?: string) {
    super(
      ErrorCodes.sessionExpired,
      path,
      `ZooKeeper client is closed${path === undefined ? '' : ` (${path})`}`,
    );
  }
}

/** A bad argument (path syntax, connect string) caught before anything is sent. */
export class ZooKeeperArgumentError extends ZooKeeperError {
  constructor(message: string, path?: string) {
    super(ErrorCodes.badArguments, path, message);
  }
}

/** Maps a non-zero reply error code to its typed error. */
export function errorForCode(code: number, path: string | undefined): ZooKeeperError {
  switch (code) {
    case ErrorCodes.noNode:
      return new NoNodeError(path);
    case ErrorCodes.nodeExists:
      return new NodeExistsError(path);
    case ErrorCodes.badVersion:
      return new BadVersionError(path);
    case ErrorCodes.notEmpty:
      return new NotEmptyError(path);
    case ErrorCodes.sessionExpired:
      return new SessionExpiredError(path);
    case ErrorCodes.connectionLoss:
      return new ConnectionLossError(path);
    default:
      return new ZooKeeperError(code, path);
  }
}
