/**
 * A fake broker that behaves like Kafka 4.0 towards a 0.8 client, as observed against the real
 * jars: it answers ApiVersions (with 4.0's ranges), optionally Metadata v0 (4.0 still answered
 * it), and closes the connection on every other request version it dropped.
 */
import { encodeApiVersionsResponseBody } from '../../src/protocol/api-versions.js';
import { encodeMetadataResponseBody } from '../../src/protocol/metadata.js';
import {
  decodeOffsetFetchRequestBody,
  encodeOffsetFetchResponseBody,
} from '../../src/protocol/offset-fetch.js';
import { Reader } from '../../src/protocol/reader.js';
import { ApiKey } from '../../src/protocol/request.js';
import { FakeBroker } from './fake-broker.js';

/** Kafka 4.0's ApiVersions ranges for the APIs a 0.8 client uses (KIP-896). */
export const KAFKA_4_0_RANGES = [
  // Produce v0-v2 are rejected, yet v0 stays advertised (KAFKA-18659).
  { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 12 },
  { apiKey: ApiKey.Fetch, minVersion: 4, maxVersion: 17 },
  { apiKey: ApiKey.Offsets, minVersion: 1, maxVersion: 10 },
  { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 13 },
  { apiKey: ApiKey.OffsetCommit, minVersion: 2, maxVersion: 9 },
  { apiKey: ApiKey.OffsetFetch, minVersion: 1, maxVersion: 9 },
  { apiKey: ApiKey.ConsumerMetadata, minVersion: 0, maxVersion: 6 },
  { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 },
];

export interface FakeKafka4Options {
  /**
   * Behave as a KRaft 3.x broker instead: it still serves the 0.8 requests, but answers the
   * ZooKeeper-backed OffsetFetch v0 with error 35 per partition (there is no ZooKeeper).
   */
  kraft3?: boolean;
  /** Answer Metadata v0 with this topic's partitions led by the fake itself (node 1). */
  topic?: { name: string; partitions: number };
  /** Close the connection on ApiVersions too (a 0.8 broker does: "Wrong request type"). */
  noApiVersions?: boolean;
}

export function startFakeKafka4(options: FakeKafka4Options = {}): Promise<FakeBroker> {
  let self: FakeBroker | undefined;
  const started = FakeBroker.start({
    handler: async (req) => {
      const conn = req.connection;
      if (req.apiKey === ApiKey.ApiVersions && options.noApiVersions !== true)
        return conn.respond(req, (w) =>
          encodeApiVersionsResponseBody(w, { errorCode: 0, apiVersions: KAFKA_4_0_RANGES }),
        );
      const { topic } = options;
      if (req.apiKey === ApiKey.Metadata && topic !== undefined && self !== undefined) {
        const node = self;
        return conn.respond(req, (w) =>
          encodeMetadataResponseBody(w, {
            brokers: [{ nodeId: 1, host: node.host, port: node.port }],
            topics: [
              {
                errorCode: 0,
                topic: topic.name,
                partitions: Array.from({ length: topic.partitions }, (_, partition) => ({
                  errorCode: 0,
                  partition,
                  leader: 1,
                  replicas: [1],
                  isr: [1],
                })),
              },
            ],
          }),
        );
      }
      if (req.apiKey === ApiKey.OffsetFetch && req.apiVersion === 0 && options.kraft3 === true) {
        const asked = decodeOffsetFetchRequestBody(new Reader(req.body), 0);
        return conn.respond(req, (w) =>
          encodeOffsetFetchResponseBody(w, {
            topics: asked.topics.map((t) => ({
              topic: t.topic,
              partitions: t.partitions.map((partition) => ({
                partition,
                offset: -1n,
                metadata: '',
                errorCode: 35,
              })),
            })),
          }),
        );
      }
      await conn.end();
      conn.socket.destroy();
    },
  });
  return started.then((b) => {
    self = b;
    return b;
  });
}
