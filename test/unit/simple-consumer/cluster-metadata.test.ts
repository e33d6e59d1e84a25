import { afterEach, describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../../src/protocol/error-codes.js';
import {
  decodeMetadataRequestBody,
  encodeMetadataResponseBody,
  type MetadataResponse,
  type PartitionMetadata,
} from '../../../src/protocol/metadata.js';
import { Reader } from '../../../src/protocol/reader.js';
import { ApiKey } from '../../../src/protocol/request.js';
import { BrokerPool } from '../../../src/simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../../../src/simple-consumer/cluster-metadata.js';
import {
  LeaderNotAvailableError,
  NoBrokerAvailableError,
  UnknownBrokerError,
  UnknownPartitionError,
  UnknownTopicError,
} from '../../../src/simple-consumer/errors.js';
import { FakeBroker, type ReceivedRequest } from '../../helpers/fake-broker.js';

const started: FakeBroker[] = [];
const pools: BrokerPool[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  await Promise.all(started.splice(0).map((b) => b.stop()));
});

/** A fake broker answering Metadata with whatever `answer` builds for the requested topics. */
async function metadataBroker(
  answer: (topics: string[], req: ReceivedRequest) => MetadataResponse,
): Promise<FakeBroker> {
  const b = await FakeBroker.start({
    handler: (req) => {
      if (req.apiKey !== ApiKey.Metadata) throw new Error(`unexpected api key ${req.apiKey}`);
      const { topics } = decodeMetadataRequestBody(new Reader(req.body));
      const resp = answer(topics, req);
      return req.connection.respond(req, (w) => encodeMetadataResponseBody(w, resp));
    },
  });
  started.push(b);
  return b;
}

/** A port with nothing listening: bind, note the port, stop. */
async function deadAddress(): Promise<{ host: string; port: number }> {
  const b = await FakeBroker.start();
  const addr = { host: b.host, port: b.port };
  await b.stop();
  return addr;
}

function part(partition: number, leader: number, errorCode = 0): PartitionMetadata {
  return {
    errorCode,
    partition,
    leader,
    replicas: leader >= 0 ? [leader] : [],
    isr: leader >= 0 ? [leader] : [],
  };
}

function node(nodeId: number, b: FakeBroker) {
  return { nodeId, host: b.host, port: b.port };
}

function cluster(seeds: { host: string; port: number }[], maxRetries = 5): ClusterMetadata {
  const pool = new BrokerPool({
    clientId: 'cm-test',
    requestTimeoutMs: 2000,
    backoff: { baseMs: 1, maxMs: 5 },
  });
  pools.push(pool);
  return new ClusterMetadata({ seedBrokers: seeds, pool, refreshBackoffMs: 1, maxRetries });
}

describe('ClusterMetadata against a fake broker', () => {
  it('finds the leader, lists sorted partitions, and reads the cache without a second request', async () => {
    let self: FakeBroker | undefined;
    const b = await metadataBroker((topics) => ({
      brokers: [node(7, self!)],
      topics: topics.map((topic) => ({
        errorCode: 0,
        topic,
        partitions: [part(2, 7), part(0, 7), part(1, 7)],
      })),
    }));
    self = b;
    const cm = cluster([{ host: b.host, port: b.port }]);
    expect(await cm.partitionsFor('t')).toEqual([0, 1, 2]);
    expect(await cm.leaderFor('t', 1)).toEqual({ nodeId: 7, host: b.host, port: b.port });
    expect(b.requests).toHaveLength(1);
    expect(cm.brokers()).toEqual([{ nodeId: 7, host: b.host, port: b.port }]);
    expect(cm.leaderId('t', 2)).toBe(7);
    expect(cm.connection(7).address).toEqual({ host: b.host, port: b.port });
    expect(() => cm.connection(8)).toThrow(UnknownBrokerError);
    // The seed connection is the node's connection: one socket, not two.
    expect(b.connections).toHaveLength(1);
  });

  it('waits out LeaderNotAvailable of an auto-created topic, then returns the leader', async () => {
    let calls = 0;
    let self: FakeBroker | undefined;
    const b = await metadataBroker((topics) => {
      calls++;
      return {
        brokers: [node(0, self!)],
        topics: topics.map((topic) =>
          calls <= 2
            ? { errorCode: 5, topic, partitions: [] }
            : calls === 3
              ? { errorCode: 0, topic, partitions: [part(0, -1, 5)] }
              : { errorCode: 0, topic, partitions: [part(0, 0)] },
        ),
      };
    });
    self = b;
    const cm = cluster([{ host: b.host, port: b.port }]);
    expect((await cm.leaderFor('fresh', 0)).nodeId).toBe(0);
    expect(calls).toBe(4);
  });

  it('gives up with LeaderNotAvailableError after maxRetries + 1 requests', async () => {
    let self: FakeBroker | undefined;
    const b = await metadataBroker((topics) => ({
      brokers: [node(0, self!)],
      topics: topics.map((topic) => ({ errorCode: 0, topic, partitions: [part(0, -1, 5)] })),
    }));
    self = b;
    const cm = cluster([{ host: b.host, port: b.port }], 2);
    const err = await cm.leaderFor('t', 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaderNotAvailableError);
    expect(err).toMatchObject({ topic: 't', partition: 0, attempts: 3 });
    expect(b.requests).toHaveLength(3);
  });

  it('ignores ReplicaNotAvailable (9) when a leader is present', async () => {
    let self: FakeBroker | undefined;
    const b = await metadataBroker((topics) => ({
      brokers: [node(0, self!)],
      topics: topics.map((topic) => ({ errorCode: 0, topic, partitions: [part(0, 0, 9)] })),
    }));
    self = b;
    const cm = cluster([{ host: b.host, port: b.port }]);
    expect((await cm.leaderFor('t', 0)).nodeId).toBe(0);
    expect(b.requests).toHaveLength(1);
  });

  it('reports an unknown topic (error 3) and an unknown partition with typed errors', async () => {
    let self: FakeBroker | undefined;
    const b = await metadataBroker((topics) => ({
      brokers: [node(0, self!)],
      topics: topics.map((topic) =>
        topic === 'missing'
          ? { errorCode: 3, topic, partitions: [] }
          : topic === 'bad name'
            ? { errorCode: 17, topic, partitions: [] }
            : { errorCode: 0, topic, partitions: [part(0, 0), part(1, 0)] },
      ),
    }));
    self = b;
    const cm = cluster([{ host: b.host, port: b.port }]);
    await expect(cm.partitionsFor('missing')).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(cm.leaderFor('missing', 0)).rejects.toMatchObject({ topic: 'missing' });
    const p = await cm.leaderFor('t', 5).catch((e: unknown) => e);
    expect(p).toBeInstanceOf(UnknownPartitionError);
    expect(p).toMatchObject({ topic: 't', partition: 5, known: [0, 1] });
    const invalid = await cm.partitionsFor('bad name').catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(KafkaProtocolError);
    expect(invalid).toMatchObject({ code: 17, topic: 'bad name' });
  });

  it('does not trust a cached "unknown topic" once the topic has been created', async () => {
    let exists = false;
    let self: FakeBroker | undefined;
    const b = await metadataBroker((topics) => ({
      brokers: [node(0, self!)],
      topics: topics.map((topic) =>
        exists ? { errorCode: 0, topic, partitions: [part(0, 0)] } : { errorCode: 3, topic, partitions: [] },
      ),
    }));
    self = b;
    const cm = cluster([{ host: b.host, port: b.port }]);
    await expect(cm.leaderFor('later', 0)).rejects.toBeInstanceOf(UnknownTopicError);
    exists = true;
    expect((await cm.leaderFor('later', 0)).nodeId).toBe(0);
    expect(b.requests).toHaveLength(2);
  });

  it('follows a leader move after invalidate()', async () => {
    let leader = 1;
    let b1: FakeBroker | undefined;
    let b2: FakeBroker | undefined;
    const answer = (topics: string[]): MetadataResponse => ({
      brokers: [node(1, b1!), node(2, b2!)],
      topics: topics.map((topic) => ({ errorCode: 0, topic, partitions: [part(0, leader)] })),
    });
    b1 = await metadataBroker(answer);
    b2 = await metadataBroker(answer);
    const cm = cluster([{ host: b1.host, port: b1.port }]);
    expect((await cm.leaderFor('t', 0)).nodeId).toBe(1);
    leader = 2;
    // Cached until told otherwise.
    expect((await cm.leaderFor('t', 0)).nodeId).toBe(1);
    cm.invalidate('t', 0);
    expect(cm.leaderId('t', 0)).toBeUndefined();
    expect(await cm.leaderFor('t', 0)).toEqual(node(2, b2));
    leader = 1;
    expect((await cm.leaderFor('t', 0, { refresh: true })).nodeId).toBe(1);
  });

  it('falls back to the next seed when the first is down, and to seeds when known brokers die', async () => {
    const dead = await deadAddress();
    let self: FakeBroker | undefined;
    const b = await metadataBroker((topics) => ({
      brokers: [node(0, self!)],
      topics: topics.map((topic) => ({ errorCode: 0, topic, partitions: [part(0, 0)] })),
    }));
    self = b;
    const cm = cluster([dead, { host: b.host, port: b.port }]);
    expect((await cm.leaderFor('t', 0)).nodeId).toBe(0);
    expect(b.requests).toHaveLength(1);
  });

  it('tries known brokers before seeds', async () => {
    let b2: FakeBroker | undefined;
    const answer = (topics: string[]): MetadataResponse => ({
      brokers: [node(2, b2!)],
      topics: topics.map((topic) => ({ errorCode: 0, topic, partitions: [part(0, 2)] })),
    });
    const b1 = await metadataBroker(answer);
    b2 = await metadataBroker(answer);
    const cm = cluster([{ host: b1.host, port: b1.port }]);
    await cm.refresh(['t']);
    await cm.refresh(['t']);
    expect(b1.requests).toHaveLength(1);
    expect(b2.requests).toHaveLength(1);
  });

  it('rejects with NoBrokerAvailableError listing every address tried when all are down', async () => {
    const d1 = await deadAddress();
    const d2 = await deadAddress();
    const cm = cluster([d1, d2]);
    const err = await cm.leaderFor('t', 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoBrokerAvailableError);
    const e = err as NoBrokerAvailableError;
    expect(e.tried).toEqual([d1, d2]);
    expect(e.causes).toHaveLength(2);
    expect(e.topic).toBe('t');
  });

  it('shares one request among concurrent identical lookups', async () => {
    let self: FakeBroker | undefined;
    const b = await metadataBroker((topics) => ({
      brokers: [node(0, self!)],
      topics: topics.map((topic) => ({ errorCode: 0, topic, partitions: [part(0, 0), part(1, 0)] })),
    }));
    self = b;
    const cm = cluster([{ host: b.host, port: b.port }]);
    const leaders = await Promise.all([cm.leaderFor('t', 0), cm.leaderFor('t', 1), cm.leaderFor('t', 0)]);
    expect(leaders.map((l) => l.nodeId)).toEqual([0, 0, 0]);
    expect(b.requests).toHaveLength(1);
  });

  it('asks for every topic with an empty list', async () => {
    let self: FakeBroker | undefined;
    const seen: string[][] = [];
    const b = await metadataBroker((topics) => {
      seen.push(topics);
      return {
        brokers: [node(0, self!)],
        topics: [{ errorCode: 0, topic: 'a', partitions: [part(0, 0)] }],
      };
    });
    self = b;
    const cm = cluster([{ host: b.host, port: b.port }]);
    await cm.refresh([]);
    expect(seen).toEqual([[]]);
    expect(cm.leaderId('a', 0)).toBe(0);
  });
});
