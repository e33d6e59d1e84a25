import { Kafka08Error } from '../protocol/errors.js';

/** Which broker a transport error is about. */
export interface BrokerAddress {
  host: string;
  port: number;
}

/**
 * Anything that went wrong with the TCP connection to one broker: refused, reset, closed under
 * a request, or destroyed because the byte stream could no longer be trusted. Catching this one
 * class is how a caller knows the request may be retried, on a fresh connection, after a
 * metadata refresh. Subclasses say why.
 */
export class ConnectionError extends Kafka08Error {
  readonly host: string;
  readonly port: number;

  constructor(address: BrokerAddress, message: string, cause?: unknown) {
    super(`${address.host}:${address.port}: ${message}`, {}, cause === undefined ? undefined : { cause });
    this.host = address.host;
    this.port = address.port;
  }
}

/** The TCP handshake did not complete within `connectTimeoutMs`. */
export class ConnectTimeoutError extends ConnectionError {
  readonly timeoutMs: number;

  constructor(address: BrokerAddress, timeoutMs: number) {
    super(address, `connect timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The connection was closed by our side (`close()`), before or while the request ran. */
export class ConnectionClosedError extends ConnectionError {}

/**
 * No response within the request's timeout. The connection is destroyed as well, because a late
 * answer would otherwise be matched to the next request.
 */
export class RequestTimeoutError extends ConnectionError {
  readonly apiKey: number;
  readonly correlationId: number | undefined;
  readonly timeoutMs: number;

  constructor(address: BrokerAddress, apiKey: number, correlationId: number | undefined, timeoutMs: number) {
    const id = correlationId === undefined ? 'before it was sent' : `correlation id ${correlationId}`;
    super(address, `request (api key ${apiKey}, ${id}) timed out after ${timeoutMs} ms`);
    this.apiKey = apiKey;
    this.correlationId = correlationId;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The caller's AbortSignal fired. Not a ConnectionError: nothing is wrong with the broker, so a
 * retry loop catching ConnectionError must not retry it. The signal's reason is the cause.
 */
export class RequestAbortedError extends Kafka08Error {
  readonly host: string;
  readonly port: number;
  readonly apiKey: number;

  constructor(address: BrokerAddress, apiKey: number, reason: unknown) {
    super(`${address.host}:${address.port}: request (api key ${apiKey}) aborted`, {}, { cause: reason });
    this.host = address.host;
    this.port = address.port;
    this.apiKey = apiKey;
  }
}

/**
 * A response carried a correlation id other than the oldest in-flight request's. A 0.8 broker
 * answers in order, so the stream is out of step and every in-flight request is failed.
 */
export class CorrelationMismatchError extends ConnectionError {
  /** Undefined when a frame arrived while nothing was in flight. */
  readonly expected: number | undefined;
  readonly received: number;

  constructor(address: BrokerAddress, expected: number | undefined, received: number) {
    const want = expected === undefined ? 'no request in flight' : `expected ${expected}`;
    super(address, `response correlation id ${received} does not match (${want}); connection destroyed`);
    this.expected = expected;
    this.received = received;
  }
}

/** A response size prefix below 4 (no room for the correlation id) or above the configured maximum. */
export class FrameSizeError extends ConnectionError {
  readonly size: number;
  readonly maxBytes: number;

  constructor(address: BrokerAddress, size: number, maxBytes: number) {
    const why =
      size < 4 ? 'is below 4, the size of the correlation id' : `exceeds the maximum of ${maxBytes}`;
    super(address, `response frame size ${size} ${why}; connection destroyed`);
    this.size = size;
    this.maxBytes = maxBytes;
  }
}

export type ForeignProtocol = 'HTTP' | 'TLS' | 'SSH';

/** The peer answered in some other protocol: the address points at the wrong service. */
export class NotKafkaError extends ConnectionError {
  readonly protocol: ForeignProtocol;

  constructor(address: BrokerAddress, protocol: ForeignProtocol) {
    super(address, `this does not look like a Kafka broker: it answered with ${protocol}`);
    this.protocol = protocol;
  }
}
