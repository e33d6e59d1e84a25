import { describe, expect, it } from 'vitest';
import {
  encodeFetchRequestBody,
  encodeOffsetCommitRequestBody,
  encodeRequest,
  fetchRequest,
  type OffsetCommitRequest,
  type OffsetFetchRequest,
  offsetCommitRequest,
  offsetFetchRequest,
  ProtocolEncodeError,
  produceRequest,
  Writer,
} from '../../../src/protocol/index.js';
import { thrown } from '../../helpers/thrown.js';

function encodeError(encode: () => unknown): ProtocolEncodeError {
  return thrown(ProtocolEncodeError, encode);
}

/** Simulates an untyped (JavaScript) caller. */
const untyped = <T>(v: unknown): T => v as T;

describe('encode validation', () => {
  it('OffsetCommit accepts only versions 0 and 1 (v2 is 0.9+)', () => {
    const req = untyped<OffsetCommitRequest>({ version: 2, consumerGroupId: 'g', topics: [] });
    expect(encodeError(() => offsetCommitRequest(req)).field).toBe('OffsetCommitRequest.version');
    expect(encodeError(() => encodeOffsetCommitRequestBody(new Writer(), req)).field).toBe(
      'OffsetCommitRequest.version',
    );
  });

  it('OffsetCommit v1 requires a timestamp per partition and names the partition', () => {
    const req = untyped<OffsetCommitRequest>({
      version: 1,
      consumerGroupId: 'g',
      consumerGroupGenerationId: -1,
      consumerId: '',
      topics: [{ topic: 't', partitions: [{ partition: 4, offset: 1n, metadata: '' }] }],
    });
    const e = encodeError(() => encodeOffsetCommitRequestBody(new Writer(), req));
    expect(e.field).toBe('OffsetCommitRequest.topics[].partitions[].timestampMs');
    expect([e.topic, e.partition, e.offset]).toEqual(['t', 4, 1n]);
  });

  it('OffsetCommit v0 refuses v1-only fields instead of silently dropping them', () => {
    const withTs = untyped<OffsetCommitRequest>({
      version: 0,
      consumerGroupId: 'g',
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1n, timestampMs: -1n, metadata: '' }] }],
    });
    expect(encodeError(() => encodeOffsetCommitRequestBody(new Writer(), withTs)).field).toBe(
      'OffsetCommitRequest.topics[].partitions[].timestampMs',
    );
    const withGen = untyped<OffsetCommitRequest>({
      version: 0,
      consumerGroupId: 'g',
      consumerGroupGenerationId: 3,
      topics: [],
    });
    expect(encodeError(() => encodeOffsetCommitRequestBody(new Writer(), withGen)).field).toBe(
      'OffsetCommitRequest.consumerGroupGenerationId',
    );
  });

  it('OffsetFetch accepts only versions 0 and 1', () => {
    const req = untyped<OffsetFetchRequest>({ version: 3, consumerGroupId: 'g', topics: [] });
    expect(encodeError(() => offsetFetchRequest(req)).field).toBe('OffsetFetchRequest.version');
  });

  it('Fetch refuses a follower replica id (>= 0) that would move replica state', () => {
    const req = fetchRequest({ replicaId: 0, maxWaitMs: 0, minBytes: 0, topics: [] });
    expect(encodeError(() => encodeRequest(req, 1, 'c')).field).toBe('FetchRequest.replicaId');
  });

  it('Fetch names the field and the partition of an out-of-range value', () => {
    const e = encodeError(() =>
      encodeFetchRequestBody(new Writer(), {
        maxWaitMs: 0,
        minBytes: 0,
        topics: [{ topic: 't', partitions: [{ partition: 2, fetchOffset: 1n << 63n, maxBytes: 1 }] }],
      }),
    );
    expect(e.field).toBe('FetchRequest.topics[].partitions[].fetchOffset');
    expect([e.topic, e.partition]).toEqual(['t', 2]);
  });

  it('a null or non-string topic name is refused rather than sent as -1', () => {
    const req = untyped<Parameters<typeof fetchRequest>[0]>({
      maxWaitMs: 0,
      minBytes: 0,
      topics: [{ topic: null, partitions: [] }],
    });
    expect(encodeError(() => encodeFetchRequestBody(new Writer(), req)).field).toBe(
      'FetchRequest.topics[].topic',
    );
  });

  it('a non-array where an array belongs is an encode error, not a TypeError', () => {
    const req = untyped<Parameters<typeof fetchRequest>[0]>({ maxWaitMs: 0, minBytes: 0, topics: 't' });
    expect(encodeError(() => encodeFetchRequestBody(new Writer(), req)).field).toBe('FetchRequest.topics');
  });

  it('Produce: acks 0 expects no response, acks 1 and -1 do, anything else is refused', () => {
    const base = { timeoutMs: 100, topics: [] };
    expect(produceRequest({ ...base, requiredAcks: 0 }).expectsResponse).toBe(false);
    expect(produceRequest({ ...base, requiredAcks: 1 }).expectsResponse).toBe(true);
    expect(produceRequest({ ...base, requiredAcks: -1 }).expectsResponse).toBe(true);
    expect(encodeError(() => produceRequest({ ...base, requiredAcks: 2 })).field).toBe(
      'ProduceRequest.requiredAcks',
    );
  });
});
