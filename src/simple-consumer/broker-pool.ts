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

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
}

/**
 * One {@link BrokerConnection} per broker address, shared by everything that talks to that
 * broker. Connections are keyed by address, not node id, so the connection opened to a seed is
 * reused once metadata reveals which node it is. When a node id reappears at another address
 * (a broker restarted elsewhere), its old connection is retired: in-flight requests may finish
 * (drain), new ones go to the new address.
 */
export class BrokerPool {
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  private readonly options: BrokerPoolOptions;
  private readonly byAddress = new Map<string, BrokerConnection>();
  private readonly nodeAddress = new Map<number, string>();
  private readonly retiring = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;

  constructor(options: BrokerPoolOptions) {
    this.options = options;
    this.clientId = options.clientId;
    this.requestTimeoutMs = options.requestTimeoutMs;
  }

  /** The connection to a broker known by node id; reused, replaced when its address changed. */
  connectionFor(broker: BrokerNode): BrokerConnection {
    const key = addressKey(broker);
    const previous = this.nodeAddress.get(broker.nodeId);
    this.nodeAddress.set(broker.nodeId, key);
    if (previous !== undefined && previous !== key && !this.addressInUse(previous)) {
      this.retire(previous);
    }
    return this.byAddress.get(key) ?? this.open(broker, key);
  }

  /** The connection to a seed address (node id not known yet). */
  seedConnection(address: BrokerAddress): BrokerConnection {
    const key = addressKey(address);
    return this.byAddress.get(key) ?? this.open(address, key);
  }

  /** Connections currently held (one per address). */
  get size(): number {
    return this.byAddress.size;
  }

  /** Closes every connection (in-flight requests are rejected with ConnectionClosedError). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const all = [...this.byAddress.values()];
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
    const conn = this.byAddress.get(key);
    if (conn === undefined) return;
    this.byAddress.delete(key);
    const done = conn.close({ drain: true }).finally(() => this.retiring.delete(done));
    this.retiring.add(done);
  }

  private open(address: BrokerAddress, key: string): BrokerConnection {
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
    this.byAddress.set(key, conn);
    return conn;
  }
}
