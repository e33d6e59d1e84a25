/**
 * A loopback TCP proxy in front of each broker of a real cluster, for fault injection: it rewrites
 * Metadata answers so the client keeps talking through the proxies, and can swallow the answer to
 * a Produce request the broker has already executed (then cut the connection), which is how a
 * producer retry duplicates records on 0.8.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { decodeMessageSet } from '../../src/protocol/message-set.js';
import { decodeMetadataResponseBody, encodeMetadataResponseBody } from '../../src/protocol/metadata.js';
import { decodeProduceRequestBody } from '../../src/protocol/produce.js';
import { Reader } from '../../src/protocol/reader.js';
import { ApiKey, decodeRequestHeader } from '../../src/protocol/request.js';
import { Writer } from '../../src/protocol/writer.js';

interface Target {
  nodeId: number;
  host: string;
  port: number;
}

/** Splits a byte stream into size-prefixed frames. */
class Framer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (this.pending.length < 4 + size) break;
      frames.push(this.pending.subarray(0, 4 + size));
      this.pending = this.pending.subarray(4 + size);
    }
    return frames;
  }
}

export class BrokerProxies {
  /** Decides, per Produce answer, whether to swallow it and cut the connection. */
  dropProduceAnswer: (answerNumber: number) => boolean = () => false;
  produceAnswers = 0;
  droppedAnswers = 0;
  /** Records carried by the Produce requests whose answers were swallowed. */
  droppedRecords = 0;
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly ports = new Map<number, number>();

  static async start(targets: readonly Target[]): Promise<BrokerProxies> {
    const p = new BrokerProxies();
    for (const t of targets) {
      const server = createServer((client) => p.pipe(client, t));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const addr = server.address();
      if (addr === null || typeof addr === 'string') throw new Error('proxy has no port');
      p.ports.set(t.nodeId, addr.port);
      p.servers.push(server);
    }
    return p;
  }

  get bootstrap(): string {
    return [...this.ports.values()].map((port) => `127.0.0.1:${port}`).join(',');
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }

  private pipe(client: Socket, target: Target): void {
    const upstream = createConnection({ host: target.host, port: target.port });
    this.sockets.add(client);
    this.sockets.add(upstream);
    const apiKeys = new Map<number, number>();
    const produceRecords = new Map<number, number>();
    const fromClient = new Framer();
    const fromBroker = new Framer();
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      for (const frame of fromClient.push(chunk)) {
        const r = new Reader(frame, 4);
        const header = decodeRequestHeader(r);
        apiKeys.set(header.correlationId, header.apiKey);
        if (header.apiKey === ApiKey.Produce) produceRecords.set(header.correlationId, countRecords(r));
        upstream.write(frame);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const frame of fromBroker.push(chunk)) {
        const correlationId = frame.readInt32BE(4);
        const apiKey = apiKeys.get(correlationId);
        const records = produceRecords.get(correlationId) ?? 0;
        apiKeys.delete(correlationId);
        produceRecords.delete(correlationId);
        if (apiKey === ApiKey.Produce && this.dropProduceAnswer(++this.produceAnswers)) {
          this.droppedAnswers++;
          this.droppedRecords += records;
          end();
          return;
        }
        client.write(apiKey === ApiKey.Metadata ? this.rewriteMetadata(frame) : frame);
      }
    });
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  }

  private rewriteMetadata(frame: Buffer): Buffer {
    const resp = decodeMetadataResponseBody(new Reader(frame.subarray(8)));
    for (const b of resp.brokers) {
      const port = this.ports.get(b.nodeId);
      if (port !== undefined) {
        b.host = '127.0.0.1';
        b.port = port;
      }
    }
    const w = new Writer(frame.length + 64);
    w.sized((body) => {
      body.int32(frame.readInt32BE(4));
      encodeMetadataResponseBody(body, resp);
    });
    return w.toBuffer();
  }
}

function countRecords(body: Reader): number {
  let n = 0;
  for (const t of decodeProduceRequestBody(body).topics) {
    // A broker overwrites a produced set's offsets: each batch is numbered from 0.
    for (const p of t.partitions) {
      n += decodeMessageSet(Buffer.from(p.messageSet), { requireRisingOffsets: false }).messages.length;
    }
  }
  return n;
}
