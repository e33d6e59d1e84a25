import { createServer, type Server, type Socket } from 'node:net';
import { Writer } from '../../../src/protocol/writer.js';

export interface FakeRequest {
  xid: number;
  type: number;
  body: Buffer;
  socket: Socket;
}

/**
 * A scripted ZooKeeper server for the client's failure paths: it answers the ConnectRequest
 * with `connectResponse` and hands every later frame to `onRequest` (pings are answered unless
 * `answerPings` is false).
 */
export class FakeZooKeeper {
  readonly requests: FakeRequest[] = [];
  readonly sockets = new Set<Socket>();
  connects = 0;
  answerPings = true;
  grantTimeoutMs = 3000;
  sessionId = 0x1234n;
  onRequest: (req: FakeRequest) => void = () => undefined;
  private readonly server: Server;
  port = 0;

  constructor() {
    this.server = createServer((s) => this.onSocket(s));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('no port');
    this.port = a.port;
    return this;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private onSocket(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let handshaken = false;
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const body = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + body.length);
        if (!handshaken) {
          handshaken = true;
          this.connects++;
          s.write(
            frame((w) => {
              w.int32(0).int32(this.grantTimeoutMs).int64(this.sessionId);
              w.bytes(Buffer.alloc(16, 7));
            }),
          );
          continue;
        }
        const req = {
          xid: body.readInt32BE(0),
          type: body.readInt32BE(4),
          body: body.subarray(8),
          socket: s,
        };
        this.requests.push(req);
        if (req.xid === -2) {
          if (this.answerPings) s.write(reply(-2, 0n, 0));
          continue;
        }
        this.onRequest(req);
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function frame(body: (w: Writer) => void): Buffer {
  const w = new Writer();
  w.sized(body);
  return w.toBuffer();
}

export function reply(xid: number, zxid: bigint, err: number, body?: (w: Writer) => void): Buffer {
  return frame((w) => {
    w.int32(xid).int64(zxid).int32(err);
    body?.(w);
  });
}
