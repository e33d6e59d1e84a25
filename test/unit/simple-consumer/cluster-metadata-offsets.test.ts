import { afterEach, describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../../src/protocol/error-codes.js';
import { encodeMetadataResponseBody, type MetadataResponse } from '../../../src/protocol/metadata.js';
import { decodeOffsetsRequestBody, encodeOffsetsResponseBody } from '../../../src/protocol/offsets.js';
import { Reader } from '../../../src/protocol/reader.js';
import { ApiKey } from '../../../src/protocol/request.js';
import { BrokerPool } from '../../../src/simple-consumer/broker-pool.js';
import { ClusterMetadata } from '../../../src/simple-consumer/cluster-metadata.js';
import { earliestOffset, latestOffset } from '../../../src/simple-consumer/offsets-helpers.js';
import { FakeBroker } from '../../helpers/fake-broker.js';

const brokers: FakeBroker[] = [];
let pool: BrokerPool;

afterEach(async () => {
  await pool?.close();
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

/**
 * Two fake brokers sharing one cluster view: `leader` says who leads t/0; a broker that is not the
 * leader answers Offsets with `notLeaderCode`.
 */
async function twoBrokers(notLeaderCode: number) {
  const state = { leader: 1, notLeaderCode };
  const meta = (): MetadataResponse => ({
    brokers: brokers.map((b, i) => ({ nodeId: i + 1, host: b.host, port: b.port })),
    topics: [
      {
        errorCode: 0,
        topic: 't',
        partitions: [{ errorCode: 0, partition: 0, leader: state.leader, replicas: [1, 2], isr: [1, 2] }],
      },
    ],
  });
  for (const nodeId of [1, 2]) {
    const b = await FakeBroker.start({
      handler: (req) => {
        if (req.apiKey === ApiKey.Metadata)
          return req.connection.respond(req, (w) => encodeMetadataResponseBody(w, meta()));
        const q = decodeOffsetsRequestBody(new Reader(req.body)).topics[0]!.partitions[0]!;
        const leads = state.leader === nodeId;
        return req.connection.respond(req, (w) =>
          encodeOffsetsResponseBody(w, {
            topics: [
              {
                topic: 't',
                partitions: [
                  {
                    partition: 0,
                    errorCode: leads ? 0 : state.notLeaderCode,
                    offsets: leads ? [q.timeMs === -2n ? BigInt(nodeId * 100) : BigInt(nodeId * 1000)] : [],
                  },
                ],
              },
            ],
          }),
        );
      },
    });
    brokers.push(b);
  }
  pool = new BrokerPool({ clientId: 'off', requestTimeoutMs: 2000 });
  const cm = new ClusterMetadata({
    seedBrokers: [{ host: brokers[0]!.host, port: brokers[0]!.port }],
    pool,
    refreshBackoffMs: 1,
    maxRetries: 3,
  });
  return { state, cm };
}

describe('leader-routed offsets helpers', () => {
  it.each([
    ['NotLeaderForPartition', 6],
    ["a newer broker's KafkaStorageError", 56],
  ])('sends to the leader, and follows it after %s', async (_name, code) => {
    const { state, cm } = await twoBrokers(code);
    expect(await earliestOffset(cm, 't', 0)).toBe(100n);
    state.leader = 2;
    expect(await latestOffset(cm, 't', 0)).toBe(2000n);
    const offsetsTo = brokers.map((b) => b.requests.filter((r) => r.apiKey === ApiKey.Offsets).length);
    expect(offsetsTo).toEqual([2, 1]);
  });

  it('does not retry a non-leader error, and throws it with topic and partition', async () => {
    const { state, cm } = await twoBrokers(6);
    await cm.leaderFor('t', 0);
    state.leader = 2;
    state.notLeaderCode = 1; // anything not about leadership must surface at once
    const err = await latestOffset(cm, 't', 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaProtocolError);
    expect(err).toMatchObject({ code: 1, topic: 't', partition: 0 });
    expect(brokers[0]!.requests.filter((r) => r.apiKey === ApiKey.Offsets)).toHaveLength(1);
  });

  it('gives up after maxRetries when the leader never answers for the partition', async () => {
    const { cm } = await twoBrokers(6);
    // Broker 1 is named leader but claims otherwise: a stuck election as seen by the client.
    brokers[0]!.handler = (req) => {
      if (req.apiKey === ApiKey.Metadata) {
        return req.connection.respond(req, (w) =>
          encodeMetadataResponseBody(w, {
            brokers: [{ nodeId: 1, host: brokers[0]!.host, port: brokers[0]!.port }],
            topics: [
              {
                errorCode: 0,
                topic: 't',
                partitions: [{ errorCode: 0, partition: 0, leader: 1, replicas: [1], isr: [1] }],
              },
            ],
          }),
        );
      }
      return req.connection.respond(req, (w) =>
        encodeOffsetsResponseBody(w, {
          topics: [{ topic: 't', partitions: [{ partition: 0, errorCode: 6, offsets: [] }] }],
        }),
      );
    };
    await expect(latestOffset(cm, 't', 0)).rejects.toMatchObject({ code: 6, topic: 't', partition: 0 });
    expect(brokers[0]!.requests.filter((r) => r.apiKey === ApiKey.Offsets)).toHaveLength(4);
  });
});
