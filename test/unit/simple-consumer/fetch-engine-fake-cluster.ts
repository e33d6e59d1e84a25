/**
 * A few fake brokers acting as one Kafka cluster for fetch-engine tests: Metadata with
 * scriptable leaders, Fetch served from in-memory logs the way a 0.8 broker slices them (whole
 * entries up to MaxBytes, then the cut-off start of the next one), Offsets -1/-2, error
 * injection per partition, brokers that stall or drop connections.
 */

import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  decodeFetchRequestBody,
  encodeFetchResponseBody,
  type FetchResponse,
} from '../../../src/protocol/fetch.js';
import { type Codec, encodeMessageSet } from '../../../src/protocol/index.js';
import { encodeMetadataResponseBody } from '../../../src/protocol/metadata.js';
import {
  decodeOffsetCommitRequestBody,
  encodeOffsetCommitResponseBody,
} from '../../../src/protocol/offset-commit.js';
import {
  decodeOffsetFetchRequestBody,
  encodeOffsetFetchResponseBody,
} from '../../../src/protocol/offset-fetch.js';
import {
  decodeOffsetsRequestBody,
  EARLIEST_TIME,
  encodeOffsetsResponseBody,
} from '../../../src/protocol/offsets.js';
import { Reader } from '../../../src/protocol/reader.js';
import { ApiKey } from '../../../src/protocol/request.js';
import { BrokerPool } from '../../../src/simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../../../src/simple-consumer/cluster-metadata.js';
import { FakeBroker, type ReceivedRequest, responseFrame } from '../../helpers/fake-broker.js';

interface Log {
  /** Encoded entries (one per outer entry), in offset order. */
  entries: { offset: bigint; bytes: Buffer }[];
  /** Log start offset: fetches below it are out of range. */
  start: bigint;
  next: bigint;
}

export interface FetchSeen {
  brokerId: number;
  maxWaitMs: number;
  partitions: { topic: string; partition: number; fetchOffset: bigint; maxBytes: number }[];
}

export class FakeCluster {
  readonly brokers: FakeBroker[] = [];
  readonly leaders = new Map<string, number>();
  readonly logs = new Map<string, Log>();
  /** Error codes answered (once each, in order) instead of data for a partition. */
  readonly injected = new Map<string, number[]>();
  /**
   * Partitions answered with this error on every fetch, as newer brokers refuse a v0 client a
   * zstd topic (76) or one with down-conversion off (35); `nullMessageSet` is 3.x's size -1.
   */
  readonly refused = new Map<string, { errorCode: number; nullMessageSet: boolean }>();
  /** Brokers that read requests but never answer. */
  readonly stalled = new Set<number>();
  /** Broker id → how many Fetch answers to cut off halfway (then reset the connection). */
  readonly cutting = new Map<number, number>();
  /** Brokers whose Fetch answers are well-framed but undecodable (a topic count and nothing after). */
  readonly garbled = new Set<number>();
  readonly fetches: FetchSeen[] = [];
  /** Offsets committed with OffsetCommit (any version), by group then `partition:topic`. */
  readonly committed = new Map<string, Map<string, bigint>>();
  readonly pools: BrokerPool[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  static async start(brokerCount: number): Promise<FakeCluster> {
    const c = new FakeCluster();
    for (let id = 0; id < brokerCount; id++) {
      c.brokers.push(await FakeBroker.start({ handler: (req) => c.handle(id, req) }));
    }
    return c;
  }

  /** A partition with `leader` and an empty log starting at `start`. */
  addPartition(topic: string, partition: number, leader: number, start = 0n): void {
    this.leaders.set(key(topic, partition), leader);
    this.logs.set(key(topic, partition), { entries: [], start, next: start });
  }

  /** Appends messages (one compressed wrapper when `codec` is set); returns their first offset. */
  append(topic: string, partition: number, values: (string | Buffer)[], codec?: Codec): bigint {
    const log = this.log(topic, partition);
    const base = log.next;
    const messages = values.map((v) => ({ value: typeof v === 'string' ? Buffer.from(v) : v }));
    if (codec !== undefined && codec !== 0) {
      const bytes = encodeMessageSet(messages, { codec, baseOffset: base });
      log.entries.push({ offset: base + BigInt(values.length - 1), bytes });
    } else {
      messages.forEach((m, i) => {
        log.entries.push({
          offset: base + BigInt(i),
          bytes: encodeMessageSet([m], { baseOffset: base + BigInt(i) }),
        });
      });
    }
    log.next = base + BigInt(values.length);
    return base;
  }

  /** Appends encoded outer entries as they are; `last` is the offset of their last message. */
  appendEncoded(topic: string, partition: number, bytes: Buffer, last: bigint): void {
    const log = this.log(topic, partition);
    log.entries.push({ offset: last, bytes });
    log.next = last + 1n;
  }

  /** Drops entries below `start`, like retention deleting old segments. */
  truncateBefore(topic: string, partition: number, start: bigint): void {
    const log = this.log(topic, partition);
    log.entries = log.entries.filter((e) => e.offset >= start);
    log.start = start;
  }

  /** Drops entries from `end` on, as a new leader whose log is shorter than the old one's. */
  truncateFrom(topic: string, partition: number, end: bigint): void {
    const log = this.log(topic, partition);
    log.entries = log.entries.filter((e) => e.offset < end);
    log.next = end;
  }

  inject(topic: string, partition: number, ...codes: number[]): void {
    const k = key(topic, partition);
    this.injected.set(k, [...(this.injected.get(k) ?? []), ...codes]);
  }

  /** A ClusterMetadata + pool over the fake brokers, as the SimpleConsumer would build them. */
  metadata(requestTimeoutMs = 2000): ClusterMetadata {
    const pool = new BrokerPool({
      clientId: 'fetch-engine-test',
      requestTimeoutMs,
      connectTimeoutMs: 1000,
      backoff: { baseMs: 10, maxMs: 50 },
    });
    this.pools.push(pool);
    return new ClusterMetadata({
      seedBrokers: this.brokers.map((b) => ({ host: b.host, port: b.port })),
      pool,
      refreshBackoffMs: 10,
      maxRetries: 1,
    });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await Promise.all(this.pools.map((p) => p.close()));
    await Promise.all(this.brokers.map((b) => b.stop()));
  }

  private log(topic: string, partition: number): Log {
    const log = this.logs.get(key(topic, partition));
    if (log === undefined) throw new Error(`fake cluster has no ${topic}/${partition}`);
    return log;
  }

  private handle(id: number, req: ReceivedRequest): Promise<void> | undefined {
    if (this.stalled.has(id)) return undefined;
    const body = new Reader(req.body);
    switch (req.apiKey) {
      case ApiKey.Metadata:
        return req.connection.respond(req, (w) =>
          encodeMetadataResponseBody(w, {
            brokers: this.brokers.map((b, nodeId) => ({ nodeId, host: b.host, port: b.port })),
            topics: [...new Set([...this.leaders.keys()].map((k) => k.slice(k.indexOf(':') + 1)))].map(
              (topic) => ({
                errorCode: 0,
                topic,
                partitions: [...this.leaders]
                  .filter(([k]) => k.slice(k.indexOf(':') + 1) === topic)
                  .map(([k, leader]) => ({
                    errorCode: leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : 0,
                    partition: Number(k.slice(0, k.indexOf(':'))),
                    leader,
                    replicas: [leader],
                    isr: [leader],
                  })),
              }),
            ),
          }),
        );
      case ApiKey.Offsets: {
        const r = decodeOffsetsRequestBody(body);
        return req.connection.respond(req, (w) =>
          encodeOffsetsResponseBody(w, {
            topics: r.topics.map((t) => ({
              topic: t.topic,
              partitions: t.partitions.map((p) => {
                const k = key(t.topic, p.partition);
                const log = this.logs.get(k);
                if (log === undefined) return { partition: p.partition, errorCode: 3, offsets: [] };
                if (this.leaders.get(k) !== id) return { partition: p.partition, errorCode: 6, offsets: [] };
                return {
                  partition: p.partition,
                  errorCode: 0,
                  offsets: [p.timeMs === EARLIEST_TIME ? log.start : log.next],
                };
              }),
            })),
          }),
        );
      }
      case ApiKey.Fetch: {
        const r = decodeFetchRequestBody(body);
        this.fetches.push({
          brokerId: id,
          maxWaitMs: r.maxWaitMs,
          partitions: r.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p }))),
        });
        let bytes = 0;
        const resp: FetchResponse = {
          topics: r.topics.map((t) => ({
            topic: t.topic,
            partitions: t.partitions.map((p) => {
              const answer = this.fetchPartition(id, t.topic, p.partition, p.fetchOffset, p.maxBytes);
              bytes += answer.messageSet.length;
              return answer;
            }),
          })),
        };
        if (this.garbled.has(id)) return req.connection.respond(req, (w) => w.int32(1));
        const cuts = this.cutting.get(id) ?? 0;
        const send = async (): Promise<void> => {
          if (cuts > 0) {
            this.cutting.set(id, cuts - 1);
            const frame = responseFrame(req.correlationId, (w) => encodeFetchResponseBody(w, resp));
            await req.connection.write(frame.subarray(0, Math.ceil(frame.length / 2)));
            req.connection.destroy();
            return;
          }
          await req.connection.respond(req, (w) => encodeFetchResponseBody(w, resp));
        };
        if (bytes >= r.minBytes || r.maxWaitMs <= 0) return send();
        // Long poll: nothing to send yet, answer empty after MaxWaitTime.
        const t = setTimeout(() => {
          this.timers.delete(t);
          void send();
        }, r.maxWaitMs);
        this.timers.add(t);
        return undefined;
      }
      case ApiKey.OffsetCommit: {
        const r = decodeOffsetCommitRequestBody(body, req.apiVersion);
        const group = this.committed.get(r.consumerGroupId) ?? new Map<string, bigint>();
        this.committed.set(r.consumerGroupId, group);
        for (const t of r.topics)
          for (const p of t.partitions) group.set(key(t.topic, p.partition), p.offset);
        return req.connection.respond(req, (w) =>
          encodeOffsetCommitResponseBody(w, {
            topics: r.topics.map((t) => ({
              topic: t.topic,
              partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0 })),
            })),
          }),
        );
      }
      case ApiKey.OffsetFetch: {
        const r = decodeOffsetFetchRequestBody(body, req.apiVersion);
        const group = this.committed.get(r.consumerGroupId);
        return req.connection.respond(req, (w) =>
          encodeOffsetFetchResponseBody(w, {
            topics: r.topics.map((t) => ({
              topic: t.topic,
              partitions: t.partitions.map((partition) => {
                const offset = group?.get(key(t.topic, partition));
                // 0.8.2 answers a missing ZooKeeper offset with -1 and no error.
                return { partition, offset: offset ?? -1n, metadata: '', errorCode: 0 };
              }),
            })),
          }),
        );
      }
      case ApiKey.ApiVersions:
        // A 0.8 broker does not know the request and closes the connection, as these brokers are 0.8.
        req.connection.destroy();
        return undefined;
      default:
        throw new Error(`fake cluster: unexpected api key ${req.apiKey}`);
    }
  }

  private fetchPartition(id: number, topic: string, partition: number, offset: bigint, maxBytes: number) {
    const k = key(topic, partition);
    const none = (errorCode: number) => ({
      partition,
      errorCode,
      highWatermark: -1n,
      messageSet: Buffer.alloc(0),
    });
    const injected = this.injected.get(k);
    if (injected !== undefined && injected.length > 0) return none(injected.shift()!);
    const refused = this.refused.get(k);
    if (refused !== undefined) return { ...none(refused.errorCode), nullMessageSet: refused.nullMessageSet };
    const log = this.logs.get(k);
    if (log === undefined) return none(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (this.leaders.get(k) !== id) return none(ErrorCode.NOT_LEADER_FOR_PARTITION);
    if (offset < log.start || offset > log.next) return none(ErrorCode.OFFSET_OUT_OF_RANGE);
    const parts: Buffer[] = [];
    let room = maxBytes;
    // The entry holding `offset` (a compressed wrapper's offset is its last inner one).
    for (const e of log.entries) {
      if (e.offset < offset) continue;
      // An ordinary consumer is served up to the high watermark: a 0.8 broker ends the answer in
      // front of the first entry claiming it or more (even one that lies about its offset).
      if (e.offset >= log.next) break;
      if (e.bytes.length > room) {
        parts.push(e.bytes.subarray(0, room));
        break;
      }
      parts.push(e.bytes);
      room -= e.bytes.length;
    }
    return { partition, errorCode: 0, highWatermark: log.next, messageSet: Buffer.concat(parts) };
  }
}

export function key(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}
