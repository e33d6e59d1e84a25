/**
 * Fake brokers acting as one cluster for producer tests: Metadata from a scriptable leader map,
 * Produce appended to in-memory logs (decoded, so tests see exactly what was sent), broker error
 * codes injected per partition, answers withheld or connections dropped on demand.
 */
import { afterEach } from 'vitest';
import { Producer, type ProducerProperties } from '../../../src/producer/index.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { decodeMessageSet } from '../../../src/protocol/message-set.js';
import { encodeMetadataResponseBody } from '../../../src/protocol/metadata.js';
import {
  decodeProduceRequestBody,
  encodeProduceResponseBody,
  type ProduceResponseTopic,
} from '../../../src/protocol/produce.js';
import { Reader } from '../../../src/protocol/reader.js';
import { ApiKey } from '../../../src/protocol/request.js';
import { FakeBroker, type ReceivedRequest } from '../../helpers/fake-broker.js';

export interface Stored {
  offset: bigint;
  key: string | null;
  value: string | null;
}

export interface ProduceSeen {
  brokerId: number;
  acks: number;
  /** `messageSet`: the partition's message set as it came (wrappers, when compressed). */
  partitions: { topic: string; partition: number; count: number; messageSet: Buffer }[];
}

const key = (topic: string, partition: number): string => `${topic}/${partition}`;

export class ProducerFakeCluster {
  readonly brokers: FakeBroker[] = [];
  /** topic → leader per partition (-1: none). */
  readonly topics = new Map<string, number[]>();
  readonly logs = new Map<string, Stored[]>();
  /** Error codes answered (once each, in order) for a partition instead of appending. */
  readonly injected = new Map<string, number[]>();
  readonly produces: ProduceSeen[] = [];
  /** Produce requests to append and then answer by dropping the connection (a lost answer). */
  dropAnswers = 0;
  /** Produce requests never answered at all while set. */
  stall = false;
  /** While set, Produce answers wait in `held` until `release()`. */
  hold = false;
  private held: (() => Promise<void>)[] = [];
  metadataRequests = 0;

  static async start(count: number): Promise<ProducerFakeCluster> {
    const c = new ProducerFakeCluster();
    for (let id = 0; id < count; id++)
      c.brokers.push(await FakeBroker.start({ handler: (r) => c.handle(id, r) }));
    return c;
  }

  get bootstrap(): string {
    return this.brokers.map((b) => `${b.host}:${b.port}`).join(',');
  }

  addTopic(topic: string, leaders: number[]): void {
    this.topics.set(topic, leaders);
  }

  inject(topic: string, partition: number, ...codes: number[]): void {
    this.injected.set(key(topic, partition), [...(this.injected.get(key(topic, partition)) ?? []), ...codes]);
  }

  log(topic: string, partition: number): Stored[] {
    return this.logs.get(key(topic, partition)) ?? [];
  }

  /** Sends every held answer, in order. */
  async release(): Promise<void> {
    this.hold = false;
    const held = this.held;
    this.held = [];
    for (const answer of held) await answer();
  }

  async stop(): Promise<void> {
    await Promise.all(this.brokers.map((b) => b.stop()));
  }

  private async handle(id: number, req: ReceivedRequest): Promise<void> {
    if (req.apiKey === ApiKey.Metadata) {
      this.metadataRequests++;
      await req.connection.respond(req, (w) =>
        encodeMetadataResponseBody(w, {
          brokers: this.brokers.map((b, nodeId) => ({ nodeId, host: b.host, port: b.port })),
          topics: [...this.topics].map(([topic, leaders]) => ({
            errorCode: 0,
            topic,
            partitions: leaders.map((leader, partition) => ({
              errorCode: leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : 0,
              partition,
              leader,
              replicas: [Math.max(leader, 0)],
              isr: leader < 0 ? [] : [leader],
            })),
          })),
        }),
      );
      return;
    }
    if (req.apiKey !== ApiKey.Produce) return;
    if (this.stall) return;
    const body = decodeProduceRequestBody(new Reader(req.body));
    const seen: ProduceSeen = { brokerId: id, acks: body.requiredAcks, partitions: [] };
    const topics: ProduceResponseTopic[] = [];
    for (const t of body.topics) {
      const answer: ProduceResponseTopic = { topic: t.topic, partitions: [] };
      topics.push(answer);
      for (const p of t.partitions) {
        const k = key(t.topic, p.partition);
        // A broker overwrites a produced set's offsets: each batch is numbered from 0.
        const set = decodeMessageSet(Buffer.from(p.messageSet), {
          fetchOffset: 0n,
          requireRisingOffsets: false,
        });
        seen.partitions.push({
          topic: t.topic,
          partition: p.partition,
          count: set.messages.length,
          messageSet: Buffer.from(p.messageSet),
        });
        const injected = this.injected.get(k)?.shift();
        const leader = this.topics.get(t.topic)?.[p.partition];
        const code = injected ?? (leader === id ? 0 : ErrorCode.NOT_LEADER_FOR_PARTITION);
        if (code !== 0) {
          answer.partitions.push({ partition: p.partition, errorCode: code, offset: -1n });
          continue;
        }
        const log = this.logs.get(k) ?? [];
        this.logs.set(k, log);
        const base = BigInt(log.length);
        for (const m of set.messages) {
          log.push({
            offset: BigInt(log.length),
            key: m.key === null ? null : m.key.toString(),
            value: m.value === null ? null : m.value.toString(),
          });
        }
        answer.partitions.push({ partition: p.partition, errorCode: 0, offset: base });
      }
    }
    this.produces.push(seen);
    if (body.requiredAcks === 0) return;
    if (this.dropAnswers > 0) {
      this.dropAnswers--;
      req.connection.destroy();
      return;
    }
    const answer = () => req.connection.respond(req, (w) => encodeProduceResponseBody(w, { topics }));
    if (this.hold) this.held.push(answer);
    else await answer();
  }
}

/**
 * Fake brokers (one by default) with topic `t` per test, and the producers made on them, all
 * closed after each test (this registers the afterEach). `setup(leaders, props, brokers)` gives
 * the cluster and a producer with a 10 ms retry backoff and `props`.
 */
export function producerOnFakeCluster(): (
  leaders: number[],
  props?: Omit<ProducerProperties, 'bootstrapServers'>,
  brokers?: number,
) => Promise<{ c: ProducerFakeCluster; p: Producer }> {
  let cluster: ProducerFakeCluster | undefined;
  const producers: Producer[] = [];
  afterEach(async () => {
    await cluster?.release();
    await Promise.all(producers.splice(0).map((p) => p.close()));
    await cluster?.stop();
    cluster = undefined;
  });
  return async (leaders, props = {}, brokers = 1) => {
    cluster = await ProducerFakeCluster.start(brokers);
    cluster.addTopic('t', leaders);
    const p = new Producer({ bootstrapServers: cluster.bootstrap, retryBackoffMs: 10, ...props });
    producers.push(p);
    return { c: cluster, p };
  };
}
