/**
 * A loopback TCP proxy in front of each broker of a cluster, for network fault injection. It
 * splits both directions into Kafka frames, remembers which API each correlation id asked for,
 * and rewrites Metadata answers so every broker address points at its proxy: the client under
 * test then reaches the brokers only through us, also after a leader lookup. Faults act on
 * whole response frames (or cut one in half) so the stream a client sees is always what a real
 * network could deliver.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import {
  ApiKey,
  decodeMetadataResponseBody,
  encodeMetadataResponseBody,
  encodeResponseFrame,
  Reader,
} from '../../src/protocol/index.js';

export type NetworkFault =
  | 'pass'
  /** The next response on each connection is cut in the middle and the connection reset. */
  | 'cut mid-frame'
  /** Responses are held back, then delivered in order when the fault ends. */
  | 'stalled responses'
  /** Live connections go silent for good (neither end closes); new ones work. */
  | 'half-open sockets'
  /** Responses arrive one byte per timer tick. */
  | 'one byte at a time'
  /** New connections are accepted and never answered; live ones work. */
  | 'accepts, never answers';

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  /** Correlation id → API key of requests not yet answered. */
  asked: Map<number, number>;
  /** Set for half-open: nothing crosses this pair again. */
  dead: boolean;
  held: Buffer[];
  /** Responses being dribbled out one byte at a time, in order. */
  dribble: Promise<void>;
}

/** Calls `onFrame` for each complete size-prefixed frame of a byte stream (prefix included). */
function framer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) return;
      onFrame(pending.subarray(0, 4 + size));
      pending = pending.subarray(4 + size);
    }
  };
}

export class BrokerProxy {
  fault: NetworkFault = 'pass';
  /** Connections accepted, in all. */
  accepted = 0;
  private readonly pairs = new Set<Pair>();
  private readonly timers = new Set<NodeJS.Timeout>();
  port = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly rewrite: (metadataBody: Buffer) => Buffer,
    private readonly server: Server = createServer((s) => this.onClient(s)),
  ) {}

  listen(): Promise<void> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => {
        const a = this.server.address();
        if (a !== null && typeof a !== 'string') this.port = a.port;
        resolve();
      }),
    );
  }

  /** Connections open now (client side). */
  get connections(): number {
    return this.pairs.size;
  }

  /** Ends a fault: held responses go out, new connections are served. */
  heal(): void {
    this.fault = 'pass';
    for (const p of this.pairs) {
      if (p.dead) continue;
      for (const f of p.held.splice(0)) p.client.write(f);
    }
  }

  /** Resets every connection (ends half-open ones too). */
  cutAll(): void {
    for (const p of this.pairs) this.drop(p);
  }

  async close(): Promise<void> {
    this.cutAll();
    for (const t of this.timers) clearTimeout(t);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private drop(p: Pair): void {
    this.pairs.delete(p);
    p.client.resetAndDestroy();
    p.upstream?.destroy();
  }

  private onClient(client: Socket): void {
    this.accepted++;
    client.setNoDelay(true);
    const p: Pair = {
      client,
      upstream: undefined,
      asked: new Map(),
      dead: false,
      held: [],
      dribble: Promise.resolve(),
    };
    this.pairs.add(p);
    client.on('error', () => this.drop(p));
    client.on('close', () => this.drop(p));
    if (this.fault === 'accepts, never answers') {
      // Never connected upstream: the client's requests go nowhere.
      p.dead = true;
      return;
    }
    const upstream = createConnection(this.target);
    p.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => this.drop(p));
    upstream.on('close', () => this.drop(p));
    client.on(
      'data',
      framer((frame) => {
        if (this.fault === 'half-open sockets') p.dead = true;
        if (p.dead) return;
        const apiKey = frame.readInt16BE(4);
        const correlationId = frame.readInt32BE(8);
        p.asked.set(correlationId, apiKey);
        upstream.write(frame);
      }),
    );
    upstream.on(
      'data',
      framer((frame) => this.onResponse(p, frame)),
    );
  }

  private onResponse(p: Pair, raw: Buffer): void {
    if (this.fault === 'half-open sockets') p.dead = true;
    if (p.dead) return;
    const correlationId = raw.readInt32BE(4);
    let frame: Buffer = Buffer.from(raw);
    if (p.asked.get(correlationId) === ApiKey.Metadata) {
      frame = encodeResponseFrame(correlationId, (w) => w.raw(this.rewrite(raw.subarray(8))));
    }
    p.asked.delete(correlationId);
    switch (this.fault) {
      case 'cut mid-frame':
        p.client.write(frame.subarray(0, Math.max(1, frame.length >> 1)), () => this.drop(p));
        return;
      case 'stalled responses':
        p.held.push(frame);
        return;
      case 'one byte at a time':
        p.dribble = p.dribble.then(() => this.dribble(p, frame));
        return;
      default:
        if (p.held.length > 0) p.held.push(frame);
        else p.client.write(frame);
    }
  }

  private async dribble(p: Pair, frame: Buffer): Promise<void> {
    for (let i = 0; i < frame.length && this.pairs.has(p); i++) {
      if (this.fault !== 'one byte at a time') {
        p.client.write(frame.subarray(i));
        return;
      }
      p.client.write(frame.subarray(i, i + 1));
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          resolve();
        }, 1);
        this.timers.add(t);
      });
    }
  }
}

/** One proxy per broker, with Metadata answers rewritten to the proxies' addresses. */
export class ClusterProxy {
  readonly proxies = new Map<number, BrokerProxy>();

  static async start(brokers: readonly { id: number; host: string; port: number }[]): Promise<ClusterProxy> {
    const c = new ClusterProxy();
    for (const b of brokers) {
      const proxy = new BrokerProxy({ host: b.host, port: b.port }, (body) => c.rewrite(body));
      await proxy.listen();
      c.proxies.set(b.id, proxy);
    }
    return c;
  }

  /** Bootstrap list of the proxies. */
  get bootstrap(): string {
    return [...this.proxies.values()].map((p) => `127.0.0.1:${p.port}`).join(',');
  }

  set fault(f: NetworkFault) {
    for (const p of this.proxies.values()) p.fault = f;
  }

  heal(): void {
    for (const p of this.proxies.values()) p.heal();
  }

  get connections(): number {
    return [...this.proxies.values()].reduce((n, p) => n + p.connections, 0);
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
  }

  private rewrite(body: Buffer): Buffer {
    const m = decodeMetadataResponseBody(new Reader(body));
    for (const b of m.brokers) {
      const proxy = this.proxies.get(b.nodeId);
      if (proxy === undefined) throw new Error(`metadata names broker ${b.nodeId}, which has no proxy`);
      b.host = '127.0.0.1';
      b.port = proxy.port;
    }
    return encodeResponseFrame(0, (w) => encodeMetadataResponseBody(w, m)).subarray(8);
  }
}
