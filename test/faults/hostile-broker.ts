/**
 * A fake broker over real sockets that serves one topic correctly (Metadata, Offsets, Fetch
 * sliced like a 0.8 broker) until told to misbehave: each answer can be replaced by a fault. Fault injection only; real-broker behaviour is tested against the rig.
 */
import {
  Codec,
  decodeFetchRequestBody,
  decodeOffsetsRequestBody,
  EARLIEST_TIME,
  encodeFetchResponseBody,
  encodeMessageSet,
  encodeMetadataResponseBody,
  encodeOffsetsResponseBody,
  Reader,
} from '../../src/protocol/index.js';
import { ApiKey } from '../../src/protocol/request.js';
import { FakeBroker, type ReceivedRequest, responseFrame } from '../helpers/fake-broker.js';
import { hostileCase } from './hostile-corpus.js';

export type FetchFault =
  | 'none'
  /** The real answer, mutated by one of the corpus mutations. */
  | 'mutated'
  | 'wrong correlation id'
  /** A size prefix announcing 100 MiB, a few bytes, then silence. */
  | 'huge frame, never completed'
  /** A size prefix of 2 GiB - 1 (beyond any sane limit). */
  | '2 GiB length'
  /** Half the real answer, then silence. */
  | 'never-completing frame'
  | 'no answer'
  /**
   * A Fetch answer whose sets each carry one entry with another offset (up or down): a lying
   * broker, or a flipped bit in a field no CRC covers. Other answers are sent as they are.
   */
  | 'lying offset';

export const FETCH_FAULTS: readonly FetchFault[] = [
  'mutated',
  'wrong correlation id',
  'huge frame, never completed',
  '2 GiB length',
  'never-completing frame',
  'no answer',
  'lying offset',
];

interface Entry {
  /** Offset of the entry's last message. */
  last: bigint;
  bytes: Buffer;
}

export class HostileBroker {
  readonly topic = 'hostile';
  readonly partitions = 2;
  readonly messages: number;
  /** Decides the next Fetch answer. */
  nextFault: () => FetchFault = () => 'none';
  faultsServed = 0;
  private readonly logs: Entry[][] = [];
  private constructor(
    readonly broker: FakeBroker,
    private readonly rng: () => number,
    messagesPerPartition: number,
  ) {
    this.messages = messagesPerPartition;
    const codecs = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4] as const;
    for (let p = 0; p < this.partitions; p++) {
      const log: Entry[] = [];
      for (let at = 0; at < messagesPerPartition; at += 10) {
        const n = Math.min(10, messagesPerPartition - at);
        const values = Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`${p}:${at + i}`) }));
        const codec = codecs[(at / 10) % codecs.length]!;
        log.push({
          last: BigInt(at + n - 1),
          bytes: encodeMessageSet(values, { codec, baseOffset: BigInt(at) }),
        });
      }
      this.logs.push(log);
    }
  }

  static async start(rng: () => number, messagesPerPartition = 200): Promise<HostileBroker> {
    let self: HostileBroker | undefined;
    // A long run sends tens of thousands of requests; the log keeps the latest only.
    const broker = await FakeBroker.start({ handler: (req) => self?.handle(req), keepRequests: 64 });
    self = new HostileBroker(broker, rng, messagesPerPartition);
    return self;
  }

  get address(): { host: string; port: number } {
    return { host: this.broker.host, port: this.broker.port };
  }

  stop(): Promise<void> {
    return this.broker.stop();
  }

  private handle(req: ReceivedRequest): Promise<void> | undefined {
    const body = new Reader(req.body);
    switch (req.apiKey) {
      case ApiKey.Metadata:
        return this.answer(
          req,
          responseFrame(req.correlationId, (w) =>
            encodeMetadataResponseBody(w, {
              brokers: [{ nodeId: 0, host: this.broker.host, port: this.broker.port }],
              topics: [
                {
                  errorCode: 0,
                  topic: this.topic,
                  partitions: this.logs.map((_, partition) => ({
                    errorCode: 0,
                    partition,
                    leader: 0,
                    replicas: [0],
                    isr: [0],
                  })),
                },
              ],
            }),
          ),
        );
      case ApiKey.Offsets: {
        const r = decodeOffsetsRequestBody(body);
        return this.answer(
          req,
          responseFrame(req.correlationId, (w) =>
            encodeOffsetsResponseBody(w, {
              topics: r.topics.map((t) => ({
                topic: t.topic,
                partitions: t.partitions.map((p) => ({
                  partition: p.partition,
                  errorCode: 0,
                  offsets: [p.timeMs === EARLIEST_TIME ? 0n : BigInt(this.messages)],
                })),
              })),
            }),
          ),
        );
      }
      case ApiKey.Fetch:
        return this.fetch(req);
      default:
        return undefined;
    }
  }

  private fetch(req: ReceivedRequest): Promise<void> | undefined {
    const r = decodeFetchRequestBody(new Reader(req.body));
    const fault = this.nextFault();
    const lie = fault === 'lying offset';
    const frame = responseFrame(req.correlationId, (w) =>
      encodeFetchResponseBody(w, {
        topics: r.topics.map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => ({
            partition: p.partition,
            errorCode: 0,
            highWatermark: BigInt(this.messages),
            messageSet: lie
              ? this.lie(this.slice(p.partition, p.fetchOffset, p.maxBytes))
              : this.slice(p.partition, p.fetchOffset, p.maxBytes),
          })),
        })),
      }),
    );
    return this.answer(req, frame, fault);
  }

  /** `set` with one whole entry's offset moved by -20..-1 or +1..+100. */
  private lie(set: Buffer): Buffer {
    const starts: number[] = [];
    for (let pos = 0; set.length - pos >= 12; ) {
      const next = pos + 12 + set.readInt32BE(pos + 8);
      if (next > set.length) break;
      starts.push(pos);
      pos = next;
    }
    if (starts.length === 0) return set;
    const out = Buffer.from(set);
    const at = starts[Math.floor(this.rng() * starts.length)]!;
    const delta = this.rng() < 0.5 ? -1 - Math.floor(this.rng() * 20) : 1 + Math.floor(this.rng() * 100);
    out.writeBigInt64BE(out.readBigInt64BE(at) + BigInt(delta), at);
    return out;
  }

  /** Sends the real answer, or what the next fault makes of it (Metadata, Offsets and Fetch alike). */
  private answer(req: ReceivedRequest, frame: Buffer, fault = this.nextFault()): Promise<void> | undefined {
    // Only a Fetch answer can lie about offsets (its sets were rewritten before this).
    if (fault === 'lying offset' && req.apiKey !== ApiKey.Fetch) return req.connection.write(frame);
    if (fault !== 'none') this.faultsServed++;
    const conn = req.connection;
    switch (fault) {
      case 'none':
      case 'lying offset':
        return conn.write(frame);
      case 'mutated': {
        const c = hostileCase(this.rng, { plain: [{ name: 'live', api: 'any', frame }], bombs: [] });
        const out = Buffer.from(c.frame);
        // The corpus may have cut the correlation id itself; keep it when it is there.
        if (out.length >= 8) out.writeInt32BE(req.correlationId, 4);
        return conn.write(out);
      }
      case 'wrong correlation id': {
        const out = Buffer.from(frame);
        out.writeInt32BE(req.correlationId + 1000, 4);
        return conn.write(out);
      }
      case 'huge frame, never completed': {
        const out = Buffer.from(frame.subarray(0, Math.min(frame.length, 64)));
        out.writeInt32BE(100 * 1024 * 1024, 0);
        return conn.write(out);
      }
      case '2 GiB length': {
        const out = Buffer.from(frame);
        out.writeInt32BE(0x7fffffff, 0);
        return conn.write(out);
      }
      case 'never-completing frame':
        return conn.write(frame.subarray(0, Math.ceil(frame.length / 2)));
      case 'no answer':
        return undefined;
    }
  }

  /** Whole entries from the one holding `offset`, up to maxBytes, then the cut start of the next. */
  private slice(partition: number, offset: bigint, maxBytes: number): Buffer {
    const log = this.logs[partition];
    if (log === undefined) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    let size = 0;
    for (const e of log) {
      if (e.last < offset) continue;
      if (size + e.bytes.length > maxBytes) {
        parts.push(e.bytes.subarray(0, maxBytes - size));
        break;
      }
      parts.push(e.bytes);
      size += e.bytes.length;
    }
    return Buffer.concat(parts);
  }
}
