import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'blackhole';

/**
 * A TCP forwarder the tests control: `cutAll()` drops every live connection (a network blip),
 * `mode = 'blackhole'` keeps sockets open but forwards nothing, in either direction (a
 * partition: the client hears nothing, the server hears no pings).
 */
export class TcpProxy {
  mode: ProxyMode = 'pass';
  private readonly server: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private readonly target: { host: string; port: number };
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.target = target;
    this.server = createServer((client) => this.onClient(client));
  }

  static async start(target: string): Promise<TcpProxy> {
    const [host, port] = target.split(':');
    const p = new TcpProxy({ host: host ?? '127.0.0.1', port: Number(port) });
    await new Promise<void>((resolve) => p.server.listen(0, '127.0.0.1', resolve));
    const addr = p.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('proxy has no port');
    p.port = addr.port;
    return p;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get connections(): number {
    return this.pairs.size;
  }

  private onClient(client: Socket): void {
    const upstream = createConnection(this.target);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (b) => {
      if (this.mode === 'pass') upstream.write(b);
    });
    upstream.on('data', (b) => {
      if (this.mode === 'pass') client.write(b);
    });
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  cutAll(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
