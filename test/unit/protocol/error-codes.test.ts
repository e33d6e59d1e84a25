import { describe, expect, it } from 'vitest';
import {
  committedOffset,
  ErrorCode,
  effectivePartitionErrorCode,
  errorCodeInfo,
  errorForCode,
  isRetriableErrorCode,
  KAFKA_ERROR_CODES,
  Kafka08Error,
  KafkaProtocolError,
} from '../../../src/protocol/index.js';

describe('error code table', () => {
  it('covers -1..20 and the newer codes a v0 client can see, once each', () => {
    const codes = KAFKA_ERROR_CODES.map((e) => e.code);
    const expected = [
      ...Array.from({ length: 23 }, (_, i) => i - 1),
      ...[22, 24, 25, 27, 28, 29, 30, 31, 32, 35, 42, 43, 44, 56, 76, 87],
    ];
    expect(codes).toEqual(expected);
    expect(new Set(KAFKA_ERROR_CODES.map((e) => e.name)).size).toBe(codes.length);
  });

  it('the named constants agree with the table', () => {
    for (const [name, code] of Object.entries(ErrorCode)) expect(errorCodeInfo(code).name).toBe(name);
  });

  it('classifies retriable codes as the reference does', () => {
    const retriable = KAFKA_ERROR_CODES.filter((e) => e.retriable).map((e) => e.code);
    expect(retriable).toEqual([2, 3, 5, 6, 7, 14, 15, 16, 19, 20, 56]);
    expect(isRetriableErrorCode(ErrorCode.OFFSET_OUT_OF_RANGE)).toBe(false);
  });

  it('errorForCode: undefined for 0, a typed error with context otherwise', () => {
    expect(errorForCode(0)).toBeUndefined();
    const e = errorForCode(1, { topic: 't', partition: 2, offset: 99n });
    expect(e).toBeInstanceOf(KafkaProtocolError);
    expect(e).toBeInstanceOf(Kafka08Error);
    expect(e).toMatchObject({
      code: 1,
      errorName: 'OFFSET_OUT_OF_RANGE',
      retriable: false,
      topic: 't',
      partition: 2,
      offset: 99n,
    });
    expect(e?.message).toContain('partition 2');
  });

  it('unknown codes are handled gracefully, not thrown or mislabelled', () => {
    const e = errorForCode(9999);
    expect(e).toMatchObject({ code: 9999, errorName: 'UNKNOWN_ERROR_CODE_9999', retriable: false });
    expect(isRetriableErrorCode(-32768)).toBe(false);
  });
});

describe('quirk helpers', () => {
  it('metadata error 9 with a live leader is informational; with no leader it stands', () => {
    const p = { errorCode: 9, partition: 0, leader: 1, replicas: [1, 2], isr: [1] };
    expect(effectivePartitionErrorCode(p)).toBe(0);
    expect(effectivePartitionErrorCode({ ...p, leader: -1 })).toBe(9);
    expect(effectivePartitionErrorCode({ ...p, errorCode: 5, leader: -1 })).toBe(5);
  });

  it('"no committed offset": v0 says -1/error 3, v1 says -1/error 0', () => {
    const p = (offset: bigint, errorCode: number) => ({ partition: 0, offset, metadata: '', errorCode });
    expect(committedOffset(0, p(-1n, 3))).toEqual({ kind: 'none' });
    expect(committedOffset(1, p(-1n, 0))).toEqual({ kind: 'none' });
    expect(committedOffset(1, p(-1n, 3))).toEqual({ kind: 'error', errorCode: 3 });
    expect(committedOffset(1, p(-1n, 16))).toEqual({ kind: 'error', errorCode: 16 });
    expect(committedOffset(0, p(42n, 0))).toEqual({ kind: 'offset', offset: 42n, metadata: '' });
  });
});
