import type { BackoffOptions } from './backoff.js';
import { BrokerConnection, type BrokerConnectionOptions } from './connection.js';
import { type BrokerAddress, ConnectionClosedError } from './errors.js';
import { addressKey } from './seed-brokers.js';

export interface BrokerPoolOptions {
  clientId: string;
  /** Per-request timeout for every connection (Kafka's socket.timeout.ms). */
  requestTimeoutMs: number;
  connectTimeoutMs?: number;
  maxResponseBytes?: number;
  backoff?: BackoffOptions;
  /** Builds each connection; a test seam (default `new BrokerConnection(options)`). */
  createConnection?: (options: BrokerConnectionOptions) => BrokerConnection;
}

/**
 * What a connection carries. A 0.8 broker answers one request per connection at a time, so a
 * Fetch it parks for up to `fetch.wait.max.ms` holds up every request behind it. Fetches
 * therefore get a connection of their own, and everything else (metadata, Offsets, commits,
 * coordinator lookups) shares the control connection, as Kafka's own consumer keeps its fetcher
 * threads' channels apart from its offset channel.
 */
export type ConnectionPurpose = 'fetch' | 'control';

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
}

/**
 * One {@link BrokerConnection} per broker address and {@link ConnectionPurpose}, shared by
 * everything that talks to that broker for that purpose. Connections are keyed by address, not
 * node id, so the connection opened to a seed is reused once metadata reveals which node it is.
 * When a node id reappears at another address (a broker restarted elsewhere), the old address's
 * connections are retired: in-flight requests may finish (drain), new ones go to the new address.
 */
export class BrokerPool {
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  private readonly options: BrokerPoolOptions;
  /** By address, then purpose. */
  private readonly byAddress = new Map<string, Map<ConnectionPurpose, BrokerConnection>>();
  private readonly nodeAddress = new Map<number, string>();
  private readonly retiring = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;

  constructor(options: BrokerPoolOptions) {
    this.options = options;
    this.clientId = options.clientId;
    this.requestTimeoutMs = options.requestTimeoutMs;
  }

  /**
   * The connection to a broker known by node id for `purpose` (default control); reused,
   * replaced when the node's address changed.
   */
  connectionFor(broker: BrokerNode, purpose: ConnectionPurpose = 'control'): BrokerConnection {
    const key = addressKey(broker);
    const previous = this.nodeAddress.get(broker.nodeId);
    this.nodeAddress.set(broker.nodeId, key);
    if (previous !== undefined && previous !== key && !this.addressInUse(previous)) {
      this.retire(previous);
    }
    return this.byAddress.get(key)?.get(purpose) ?? this.open(broker, key, purpose);
  }

  /** The control connection to a seed address (node id not known yet). */
  seedConnection(address: BrokerAddress): BrokerConnection {
    const key = addressKey(address);
    return this.byAddress.get(key)?.get('control') ?? this.open(address, key, 'control');
  }

  /** Connections currently held (at most one per address and purpose). */
  get size(): number {
    let n = 0;
    for (const lanes of this.byAddress.values()) n += lanes.size;
    return n;
  }

  /** Closes every connection (in-flight requests are rejected with ConnectionClosedError). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const all = [...this.byAddress.values()].flatMap((lanes) => [...lanes.values()]);
      this.byAddress.clear();
      this.nodeAddress.clear();
      await Promise.all([...all.map((c) => c.close()), ...this.retiring]);
    })();
    return this.closing;
  }

  private addressInUse(key: string): boolean {
    for (const k of this.nodeAddress.values()) if (k === key) return true;
    return false;
  }

  private retire(key: string): void {
    const lanes = this.byAddress.get(key);
    if (lanes === undefined) return;
    this.byAddress.delete(key);
    for (const conn of lanes.values()) {
      const done = conn.close({ drain: true }).finally(() => this.retiring.delete(done));
      this.retiring.add(done);
    }
  }

  private open(address: BrokerAddress, key: string, purpose: ConnectionPurpose): BrokerConnection {
    if (this.closing !== undefined) {
      throw new ConnectionClosedError(address, 'the broker pool is closed');
    }
    const o = this.options;
    const options: BrokerConnectionOptions = {
      host: address.host,
      port: address.port,
      clientId: o.clientId,
      requestTimeoutMs: o.requestTimeoutMs,
      ...(o.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: o.connectTimeoutMs }),
      ...(o.maxResponseBytes === undefined ? {} : { maxResponseBytes: o.maxResponseBytes }),
      ...(o.backoff === undefined ? {} : { backoff: o.backoff }),
    };
    const conn = o.createConnection ? o.createConnection(options) : new BrokerConnection(options);
    let lanes = this.byAddress.get(key);
    if (lanes === undefined) {
      lanes = new Map();
      this.byAddress.set(key, lanes);
    }
    lanes.set(purpose, conn);
    return conn;
  }
}
