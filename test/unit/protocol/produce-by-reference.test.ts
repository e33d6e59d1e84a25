/**
 * A Produce request's large message sets are sent from where they lie, as pieces of the frame
 * (`encodeRequestChunks`), instead of being copied into it. The pieces must add up to exactly the
 * bytes of the copied frame, whether a set is given whole or as its batches, and the set itself
 * must be one of the pieces (no copy).
 */
import { describe, expect, it } from 'vitest';
import {
  decodeProduceRequestBody,
  decodeRequestHeader,
  encodeMessageSet,
  encodeRequest,
  encodeRequestChunks,
  ProtocolEncodeError,
  produceRequest,
  Reader,
  Writer,
} from '../../../src/protocol/index.js';
import { thrown } from '../../helpers/thrown.js';
import { letterText } from '../../helpers/xorshift.js';

const set = (n: number, seed: number): Buffer =>
  encodeMessageSet(Array.from({ length: n }, (_, i) => ({ value: letterText(90, seed + i) })));

// Pieces of 2 (copied: under 1 KiB), 20 and 30 entries (sent by reference), and an empty one.
const batches = [set(2, 1), set(20, 10), set(30, 40), Buffer.alloc(0)];
const joined = Buffer.concat(batches);
const small = set(1, 100);

function request(pieces: boolean, acks: 0 | 1 = 1) {
  return produceRequest({
    requiredAcks: acks,
    timeoutMs: 1000,
    topics: [
      { topic: 'a', partitions: [{ partition: 0, messageSet: pieces ? batches : joined }] },
      { topic: 'b', partitions: [{ partition: 3, messageSet: small }] },
    ],
  });
}

describe('Produce message sets sent by reference', () => {
  it('the pieces make the same frame as the copied encoding, whole sets or batches', () => {
    const copied = encodeRequest(request(false), 7, 'client');
    for (const pieces of [false, true]) {
      const chunks = encodeRequestChunks(request(pieces), 7, 'client');
      expect(Buffer.concat(chunks).equals(copied)).toBe(true);
      expect(encodeRequest(request(pieces), 7, 'client').equals(copied)).toBe(true);
    }
    const r = new Reader(copied);
    expect(r.int32('size')).toBe(copied.length - 4);
    decodeRequestHeader(r);
    const decoded = decodeProduceRequestBody(r);
    expect(Buffer.from(decoded.topics[0]!.partitions[0]!.messageSet).equals(joined)).toBe(true);
    expect(Buffer.from(decoded.topics[1]!.partitions[0]!.messageSet).equals(small)).toBe(true);
  });

  it('large sets are pieces of their own, not copies; small ones are copied into the frame', () => {
    const whole = encodeRequestChunks(request(false), 1, 'c');
    expect(whole.some((c) => c === joined)).toBe(true);
    const inPieces = encodeRequestChunks(request(true), 1, 'c');
    expect(inPieces.some((c) => c === batches[1])).toBe(true);
    expect(inPieces.some((c) => c === batches[2])).toBe(true);
    expect(inPieces.some((c) => c === batches[0] || c === small)).toBe(false);
    expect(inPieces.every((c) => c.length > 0)).toBe(true);
  });

  it('a piece of 1023 bytes is copied, one of 1024 is sent from where it lies', () => {
    const below = Buffer.alloc(1023, 1);
    const at = Buffer.alloc(1024, 2);
    const r = (messageSet: Uint8Array | Uint8Array[]) =>
      produceRequest({
        requiredAcks: 1,
        timeoutMs: 1,
        topics: [{ topic: 't', partitions: [{ partition: 0, messageSet }] }],
      });
    const chunks = encodeRequestChunks(r([below, at, below]), 1, 'c');
    expect(chunks.filter((c) => c === at)).toHaveLength(1);
    expect(chunks.some((c) => c === below)).toBe(false);
    expect(Buffer.concat(chunks).equals(encodeRequest(r(Buffer.concat([below, at, below])), 1, 'c'))).toBe(
      true,
    );
    expect(encodeRequestChunks(r(below), 1, 'c')).toHaveLength(1);
    expect(encodeRequestChunks(r(at), 1, 'c')).toHaveLength(2);
  });

  it('a request with nothing large is one piece', () => {
    const r = produceRequest({
      requiredAcks: 1,
      timeoutMs: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, messageSet: small }] }],
    });
    expect(encodeRequestChunks(r, 1, 'c')).toHaveLength(1);
  });

  it('a message set that is not bytes or an array of bytes is refused, naming the field', () => {
    for (const bad of [null, 'abc', [small, 'x'], [small, null], 5]) {
      const r = produceRequest({
        requiredAcks: 1,
        timeoutMs: 1,
        topics: [{ topic: 't', partitions: [{ partition: 0, messageSet: bad as unknown as Buffer }] }],
      });
      const err = thrown(ProtocolEncodeError, () => encodeRequestChunks(r, 1, 'c'));
      expect(err.field).toBe('ProduceRequest.topics[].partitions[].messageSet');
    }
  });

  it('Writer: sizes count bytes placed by reference; view() refuses to hide them', () => {
    const w = new Writer(16);
    const payload = Buffer.alloc(3000, 7);
    w.sized((w) => {
      w.int16(1);
      w.rawByReference(payload);
      w.int8(2);
    });
    const chunks = w.chunks();
    expect(chunks.map((c) => c.length)).toEqual([6, 3000, 1]);
    expect(chunks[1]).toBe(payload);
    expect(Buffer.concat(chunks).readInt32BE(0)).toBe(3003);
    expect(w.toBuffer().equals(Buffer.concat(chunks))).toBe(true);
    expect(() => w.view()).toThrow(Error);
  });
});
