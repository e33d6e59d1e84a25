import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { EARLIEST_TIME, LATEST_TIME, offsetsRequest } from '../../protocol/offsets.js';
import type { FetchTransport } from './cluster-view.js';
import type { AutoOffsetReset } from './config.js';

export type ResetTarget = 'earliest' | 'latest';

/** The Offsets time a policy asks for; undefined for `none` (the caller must raise). */
export function resetTarget(policy: AutoOffsetReset): ResetTarget | undefined {
  switch (policy) {
    case 'smallest':
    case 'earliest':
      return 'earliest';
    case 'largest':
    case 'latest':
      return 'latest';
    case 'none':
      return undefined;
  }
}

/**
 * Asks the partition's leader for its log start (-2) or high watermark (-1, Max 1). Rejects with
 * the transport's error or a KafkaProtocolError; the engine treats both as "find the leader
 * again and retry".
 */
export async function fetchResetOffset(
  conn: FetchTransport,
  topic: string,
  partition: number,
  target: ResetTarget,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<bigint> {
  const timeMs = target === 'earliest' ? EARLIEST_TIME : LATEST_TIME;
  const resp = await conn.send(
    offsetsRequest({ topics: [{ topic, partitions: [{ partition, timeMs, maxNumberOfOffsets: 1 }] }] }),
    options,
  );
  const p = resp.topics.find((t) => t.topic === topic)?.partitions.find((x) => x.partition === partition);
  if (p === undefined)
    throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { topic, partition });
  if (p.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(p.errorCode, { topic, partition });
  const offset = p.offsets[0];
  if (offset === undefined || offset < 0n) {
    throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, { topic, partition });
  }
  return offset;
}
