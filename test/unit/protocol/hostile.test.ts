/** Hand-crafted hostile inputs: each names the failure it must produce and the field it blames. */
import { describe, expect, it } from 'vitest';
import {
  CorruptError,
  decodeConsumerMetadataResponseBody,
  decodeFetchResponseBody,
  decodeMetadataResponseBody,
  decodeOffsetCommitRequestBody,
  decodeOffsetFetchRequestBody,
  decodeProduceRequestBody,
  decodeRequestHeader,
  encodeFetchResponseBody,
  ProtocolDecodeError,
  Reader,
  TruncatedError,
  Writer,
} from '../../../src/protocol/index.js';
import { bytes, count, i16, i32, i64, kbytes, str } from '../../fixtures/protocol/bytes.js';
import { CODECS, codecFor } from '../../fixtures/protocol/codecs.js';

function decodeError(decode: (r: Reader) => unknown, buf: Buffer): ProtocolDecodeError {
  try {
    decode(new Reader(buf));
  } catch (e) {
    if (e instanceof ProtocolDecodeError) return e;
    throw e;
  }
  throw new Error('decoded without error');
}

describe('hostile counts', () => {
  for (const api of Object.keys(CODECS) as (keyof typeof CODECS)[]) {
    if (api === 'consumer-metadata') continue; // fixed layout, no top-level array
    it(`${api} response with a 0x7fffffff topic count is refused before anything is allocated`, () => {
      const e = decodeError(codecFor(api).decodeResponse, bytes(count(0x7fffffff), str('t')));
      expect(e).toBeInstanceOf(TruncatedError);
      // The check multiplied the count by a minimum element size instead of trusting it.
      expect((e as TruncatedError).needed).toBeGreaterThan(0x7fffffff);
    });
  }

  it('a nested 0x7fffffff replica count blames the replicas field', () => {
    const buf = bytes(
      count(0), // brokers
      count(1),
      i16(0),
      str('t'),
      count(1),
      bytes(i16(0), i32(0), i32(0)),
      count(0x7fffffff), // replicas
      count(0),
    );
    const e = decodeError(decodeMetadataResponseBody, buf);
    expect(e).toBeInstanceOf(TruncatedError);
    expect(e.field).toBe('MetadataResponse.topics[].partitions[].replicas');
    expect(e.topic).toBe('t');
    expect(e.partition).toBe(0);
  });

  it('negative array counts are corrupt, not empty', () => {
    const e = decodeError(decodeFetchResponseBody, count(-1));
    expect(e).toBeInstanceOf(CorruptError);
    expect((e as CorruptError).reason).toBe('bad-length');
  });
});

describe('hostile lengths and nulls', () => {
  const fetchPartition = (size: Buffer, rest: Buffer = Buffer.alloc(0)) =>
    bytes(count(1), str('x'), count(1), i32(3), i16(0), i64(10n), size, rest);

  it('a negative MessageSetSize other than -1 is corrupt and names topic and partition', () => {
    const e = decodeError(decodeFetchResponseBody, fetchPartition(i32(-2)));
    expect(e).toBeInstanceOf(CorruptError);
    expect((e as CorruptError).reason).toBe('bad-length');
    expect(e.field).toBe('FetchResponse.topics[].partitions[].messageSet');
    expect([e.topic, e.partition]).toEqual(['x', 3]);
  });

  it("MessageSetSize -1 (Kafka 3.x, a partition it cannot serve to v0) is that partition's null set", () => {
    // Two partitions: the null set of the first must not hide the data of the second.
    const buf = bytes(
      count(1),
      str('x'),
      count(2),
      bytes(i32(3), i16(76), i64(-1n), i32(-1)),
      bytes(i32(4), i16(0), i64(5n), kbytes(Buffer.from('abc'))),
    );
    const [p3, p4] = decodeFetchResponseBody(new Reader(buf)).topics[0]?.partitions ?? [];
    expect(p3).toEqual({
      partition: 3,
      errorCode: 76,
      highWatermark: -1n,
      messageSet: Buffer.alloc(0),
      nullMessageSet: true,
    });
    expect(p4?.messageSet.toString()).toBe('abc');
    expect(p4?.nullMessageSet).toBeUndefined();
    // The encoder (fake brokers use it) writes the same -1 back.
    const w = new Writer(64);
    encodeFetchResponseBody(w, decodeFetchResponseBody(new Reader(buf)));
    expect(w.toBuffer().equals(buf)).toBe(true);
  });

  it('a MessageSetSize past the frame is truncated, not read beyond the frame', () => {
    const e = decodeError(decodeFetchResponseBody, fetchPartition(i32(100), Buffer.alloc(10)));
    expect(e).toBeInstanceOf(TruncatedError);
    expect([e.topic, e.partition]).toEqual(['x', 3]);
  });

  it('a MessageSet region cannot swallow the next partition: the frame must end exactly', () => {
    // Two partitions announced, the first claims every byte left: the second is then missing.
    const buf = bytes(count(1), str('x'), count(2), i32(0), i16(0), i64(0n), kbytes(Buffer.alloc(24)));
    expect(decodeError(decodeFetchResponseBody, buf)).toBeInstanceOf(TruncatedError);
  });

  it('a null topic name where one is required is corrupt', () => {
    const e = decodeError(decodeFetchResponseBody, bytes(count(1), str(null), count(0)));
    expect(e).toBeInstanceOf(CorruptError);
    expect((e as CorruptError).reason).toBe('bad-value');
    expect(e.field).toBe('FetchResponse.topics[].topic');
  });

  it('a null coordinator host is corrupt (the broker writes "" on error)', () => {
    const e = decodeError(decodeConsumerMetadataResponseBody, bytes(i16(15), i32(-1), str(null), i32(-1)));
    expect(e.field).toBe('ConsumerMetadataResponse.coordinatorHost');
  });

  it('a string length past the frame is truncated', () => {
    const e = decodeError(decodeFetchResponseBody, bytes(count(1), i16(0x7fff), str('abc')));
    expect(e).toBeInstanceOf(TruncatedError);
  });

  it('a produce request with a negative MessageSetSize is corrupt', () => {
    const buf = bytes(i16(1), i32(0), count(1), str('t'), count(1), i32(0), i32(-5));
    expect(decodeError(decodeProduceRequestBody, buf)).toBeInstanceOf(CorruptError);
  });

  it('an OffsetCommit body under an unknown version is refused, not guessed', () => {
    const e = decodeError((r) => decodeOffsetCommitRequestBody(r, 2), bytes(str('g'), count(0)));
    expect(e).toBeInstanceOf(CorruptError);
  });

  it('an OffsetFetch body under an unknown version is refused', () => {
    const e = decodeError((r) => decodeOffsetFetchRequestBody(r, 2), bytes(str('g'), count(0)));
    expect(e).toBeInstanceOf(CorruptError);
  });

  it('a request header with an API a 0.8 client never sends is corrupt', () => {
    const e = decodeError(decodeRequestHeader, bytes(i16(19), i16(0), i32(1), str('c')));
    expect(e).toBeInstanceOf(CorruptError);
    expect(e.field).toBe('RequestHeader.apiKey');
  });
});

describe('per-partition errors stay values', () => {
  it('a fetch response where one partition failed still yields every partition', () => {
    const buf = bytes(
      count(1),
      str('t'),
      count(2),
      bytes(i32(0), i16(6), i64(-1n), i32(0)), // NotLeaderForPartition
      bytes(i32(1), i16(0), i64(5n), kbytes(Buffer.from('abc'))),
    );
    const resp = decodeFetchResponseBody(new Reader(buf));
    expect(resp.topics[0]?.partitions.map((p) => p.errorCode)).toEqual([6, 0]);
    expect(resp.topics[0]?.partitions[1]?.messageSet.toString()).toBe('abc');
  });
});
