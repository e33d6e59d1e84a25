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

/**
 * The broker ended the connection (closed, reset, or the socket broke under a write) while
 * `inFlight` requests waited. Usually a restart; Kafka 4.0 does it to every 0.8 request, which
 * is why the connection then asks the broker for its API versions (see UnsupportedBrokerError).
 */
export class ClosedByBrokerError extends ConnectionError {
  readonly inFlight: number;

  constructor(address: BrokerAddress, message: string, inFlight: number, cause?: unknown) {
    super(address, message, cause);
    this.inFlight = inFlight;
  }
}

/**
 * The broker no longer serves the Kafka 0.8 protocol: Kafka 4.0 removed the request versions
 * kafka08 sends (Fetch v0, ListOffsets v0...) and closes the connection on them. Its ApiVersions
 * answer said so. Not a ConnectionError: no retry, reconnect or leader lookup can help.
 */
export class UnsupportedBrokerError extends Kafka08Error {
  readonly host: string;
  readonly port: number;
  /** The request the broker hung up on, e.g. "Fetch v0". */
  readonly request: string;
  /** What its ApiVersions answer lacks, e.g. "Fetch below v4". */
  readonly missing: string;

  constructor(address: BrokerAddress, request: string, missing: string, cause?: unknown) {
    super(
      `${address.host}:${address.port}: this broker no longer speaks the Kafka 0.8 protocol; versions 0.8.0 to 3.9 do. ` +
        `It closed the connection on ${request}, and it has no ${missing} (Kafka 4.0 removed the old request versions).`,
      {},
      cause === undefined ? undefined : { cause },
    );
    this.host = address.host;
    this.port = address.port;
    this.request = request;
    this.missing = missing;
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

// ---- Cluster metadata and SimpleConsumer errors (appended by the SimpleConsumer port) ----

/** The seed broker list could not be parsed (`host:port[,host:port...]`). */
export class InvalidSeedBrokersError extends Kafka08Error {
  readonly input: string;

  constructor(input: string, message: string) {
    super(`invalid seed brokers ${JSON.stringify(input)}: ${message}`);
    this.input = input;
  }
}

/** Every known broker and every seed failed to answer a metadata request; `causes` says why each did. */
export class NoBrokerAvailableError extends Kafka08Error {
  readonly tried: BrokerAddress[];
  readonly causes: unknown[];

  constructor(
    tried: BrokerAddress[],
    causes: unknown[],
    context: { topic?: string; partition?: number } = {},
  ) {
    const list = tried.map((a) => `${a.host}:${a.port}`).join(', ');
    super(`no broker answered a metadata request (tried ${list || 'nothing'})`, context, {
      cause: causes[causes.length - 1],
    });
    this.tried = tried;
    this.causes = causes;
  }
}

/** The cluster says the topic does not exist (metadata error 3, i.e. auto-creation is off). */
export class UnknownTopicError extends Kafka08Error {
  constructor(topic: string) {
    super(`topic ${topic} does not exist`, { topic });
  }
}

/** The topic exists but has no partition with this id. */
export class UnknownPartitionError extends Kafka08Error {
  /** The partition ids the topic does have, sorted. */
  readonly known: number[];

  constructor(topic: string, partition: number, known: number[]) {
    super(`topic ${topic} has no partition ${partition} (it has ${known.length})`, { topic, partition });
    this.known = known;
  }
}

/**
 * No leader after the configured number of metadata refreshes: an election that did not finish,
 * a topic still being auto-created, or a partition whose replicas are all down. `partition` is
 * undefined when the whole topic had no leaders yet (auto-creation).
 */
export class LeaderNotAvailableError extends Kafka08Error {
  readonly attempts: number;

  constructor(topic: string, partition: number | undefined, attempts: number) {
    const what = partition === undefined ? `topic ${topic}` : `topic ${topic} partition ${partition}`;
    super(`no leader for ${what} after ${attempts} metadata request(s)`, { topic, partition });
    this.attempts = attempts;
  }
}

export type KafkaBrokerGeneration = '0.8.1' | '0.8.2';

/**
 * The request needs a newer broker than the one configured. 0.8 brokers cannot be asked which
 * APIs they have, and a 0.8.1 broker would misparse an OffsetCommit v1 without complaint, so the
 * client refuses before sending.
 */
export class UnsupportedByBrokerVersionError extends Kafka08Error {
  readonly request: string;
  readonly brokerVersion: KafkaBrokerGeneration;
  readonly requiredVersion: KafkaBrokerGeneration;

  constructor(request: string, brokerVersion: KafkaBrokerGeneration, requiredVersion: KafkaBrokerGeneration) {
    super(
      `${request} needs a Kafka ${requiredVersion} broker; this client is configured for ${brokerVersion}`,
    );
    this.request = request;
    this.brokerVersion = brokerVersion;
    this.requiredVersion = requiredVersion;
  }
}

/** An Offsets answer for earliest/latest carried no offset at all (the broker always sends one). */
export class MissingOffsetError extends Kafka08Error {
  readonly timeMs: bigint;

  constructor(topic: string, partition: number, timeMs: bigint) {
    super(`the broker returned no offset for time ${timeMs}`, { topic, partition });
    this.timeMs = timeMs;
  }
}

/** A node id that the last metadata answer did not list (the broker left, or metadata is stale). */
export class UnknownBrokerError extends Kafka08Error {
  readonly nodeId: number;

  constructor(nodeId: number) {
    super(`broker ${nodeId} is not in the cluster metadata`);
    this.nodeId = nodeId;
  }
}
