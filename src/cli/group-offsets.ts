import { setTimeout as sleep } from 'node:timers/promises';
import { type ConsumerMetadataResponse, consumerMetadataRequest } from '../protocol/consumer-metadata.js';
import { ErrorCode, errorForCode } from '../protocol/error-codes.js';
import { Kafka08Error } from '../protocol/errors.js';
import { offsetCommitRequest } from '../protocol/offset-commit.js';
import { committedOffset, offsetFetchRequest } from '../protocol/offset-fetch.js';
import type { KafkaRequest } from '../protocol/request.js';
import type { BrokerConnection } from '../simple-consumer/connection.js';
import { NoBrokerAvailableError } from '../simple-consumer/errors.js';
import type { CliSession } from './session.js';

/** Where a group's offsets live: ZooKeeper (OffsetFetch/Commit v0) or Kafka (v1, 0.8.2 only). */
export type OffsetStorage = 'zookeeper' | 'kafka';

const COORDINATOR_ATTEMPTS = 10;

/** No broker answered the coordinator lookup (Kafka-stored offsets need 0.8.2 brokers). */
export class CoordinatorLookupError extends Kafka08Error {
  readonly group: string;

  constructor(group: string, cause: NoBrokerAvailableError) {
    const tried = cause.tried.map((a) => `${a.host}:${a.port}`).join(', ');
    super(
      `no broker answered the coordinator lookup for group ${group} (tried ${tried}); ` +
        '--storage kafka needs Kafka 0.8.2 brokers (0.8.1 closes the connection on it)',
      {},
      { cause },
    );
    this.group = group;
  }
}

/**
 * The broker to send a group's offset requests to. v0 is served by any broker (it reads
 * ZooKeeper); v1 only by the group's coordinator, which 0.8.2 reports as unavailable (15) until
 * `__consumer_offsets` exists, so that answer is retried a few times.
 */
async function sendToGroupBroker<T>(
  s: CliSession,
  group: string,
  storage: OffsetStorage,
  request: KafkaRequest<T>,
): Promise<T> {
  if (storage === 'zookeeper') return s.anyBroker(request);
  return (await coordinator(s, group)).send(request);
}

async function coordinator(s: CliSession, group: string): Promise<BrokerConnection> {
  for (let attempt = 1; ; attempt++) {
    let resp: ConsumerMetadataResponse;
    try {
      resp = await s.anyBroker(consumerMetadataRequest({ consumerGroup: group }));
    } catch (err) {
      // A 0.8.1 broker does not know ConsumerMetadata and closes the connection on it.
      if (!(err instanceof NoBrokerAvailableError)) throw err;
      throw new CoordinatorLookupError(group, err);
    }
    if (resp.errorCode === ErrorCode.NONE) {
      return s.pool.connectionFor({
        nodeId: resp.coordinatorId,
        host: resp.coordinatorHost,
        port: resp.coordinatorPort,
      });
    }
    const retriable = resp.errorCode === ErrorCode.CONSUMER_COORDINATOR_NOT_AVAILABLE;
    if (!retriable || attempt >= COORDINATOR_ATTEMPTS) throw errorForCode(resp.errorCode)!;
    await sleep(300);
  }
}

/** Committed offsets per partition (undefined = nothing committed). The topic must exist. */
export async function fetchCommitted(
  s: CliSession,
  group: string,
  topic: string,
  partitions: readonly number[],
  storage: OffsetStorage,
): Promise<Map<number, bigint | undefined>> {
  const version = storage === 'zookeeper' ? 0 : 1;
  const resp = await sendToGroupBroker(
    s,
    group,
    storage,
    offsetFetchRequest({ version, consumerGroupId: group, topics: [{ topic, partitions: [...partitions] }] }),
  );
  const out = new Map<number, bigint | undefined>();
  for (const partition of partitions) {
    const p = resp.topics.find((t) => t.topic === topic)?.partitions.find((x) => x.partition === partition);
    if (p === undefined) {
      out.set(partition, undefined);
      continue;
    }
    const c = committedOffset(version, p);
    if (c.kind === 'error') throw errorForCode(c.errorCode, { topic, partition })!;
    out.set(partition, c.kind === 'offset' ? c.offset : undefined);
  }
  return out;
}

/** Commits "next offset to read" per partition. */
export async function commitOffsets(
  s: CliSession,
  group: string,
  topic: string,
  offsets: ReadonlyMap<number, bigint>,
  storage: OffsetStorage,
): Promise<void> {
  if (offsets.size === 0) return;
  const entries = [...offsets].map(([partition, offset]) => ({ partition, offset, metadata: '' }));
  const resp = await sendToGroupBroker(
    s,
    group,
    storage,
    storage === 'zookeeper'
      ? offsetCommitRequest({ version: 0, consumerGroupId: group, topics: [{ topic, partitions: entries }] })
      : offsetCommitRequest({
          version: 1,
          consumerGroupId: group,
          consumerGroupGenerationId: -1,
          consumerId: '',
          topics: [{ topic, partitions: entries.map((e) => ({ ...e, timestampMs: -1n })) }],
        }),
  );
  for (const t of resp.topics) {
    for (const p of t.partitions) {
      const error = errorForCode(p.errorCode, { topic: t.topic, partition: p.partition });
      if (error !== undefined) throw error;
    }
  }
}
