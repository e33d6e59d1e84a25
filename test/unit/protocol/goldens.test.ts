import { describe, expect, it } from 'vitest';
import { encodeRequest, encodeResponseFrame, Reader, Writer } from '../../../src/protocol/index.js';
import { toHex } from '../../fixtures/protocol/bytes.js';
import { codecFor } from '../../fixtures/protocol/codecs.js';
import { splitRequest, splitResponse } from '../../fixtures/protocol/frames.js';
import { REQUEST_SAMPLES, RESPONSE_SAMPLES } from '../../fixtures/protocol/samples.js';

describe('request goldens', () => {
  for (const s of REQUEST_SAMPLES) {
    describe(s.name, () => {
      const codec = codecFor(s.api);

      it('the factory encodes the golden frame byte for byte', () => {
        const req = codec.factory(s.request);
        expect(req.apiKey).toBe(codec.apiKey);
        expect(req.apiVersion).toBe(s.apiVersion);
        expect(toHex(encodeRequest(req, s.correlationId, s.clientId))).toBe(toHex(s.golden));
      });

      it('decodes back to the input, and re-encodes to the same bytes', () => {
        const { header, body } = splitRequest(s.golden);
        expect(header).toEqual({
          apiKey: codec.apiKey,
          apiVersion: s.apiVersion,
          correlationId: s.correlationId,
          clientId: s.clientId,
        });
        const decoded = codec.decodeRequest(body, header.apiVersion);
        expect(decoded).toEqual(s.request);
        const again = encodeRequest(codec.factory(decoded), s.correlationId, s.clientId);
        expect(toHex(again)).toBe(toHex(s.golden));
      });
    });
  }
});

describe('response goldens', () => {
  for (const s of RESPONSE_SAMPLES) {
    describe(s.name, () => {
      const codec = codecFor(s.api);

      it('decodes the golden frame to the expected value', () => {
        const { correlationId, body } = splitResponse(s.golden);
        expect(correlationId).toBe(s.correlationId);
        expect(codec.decodeResponse(new Reader(body))).toEqual(s.response);
      });

      it('the factory decoder (what the connection calls) agrees', () => {
        const { body } = splitResponse(s.golden);
        // Any request value of the right API will do: the response decoder does not depend on it.
        const anyRequest = codec.factory(
          (
            {
              metadata: { topics: [] },
              fetch: { maxWaitMs: 0, minBytes: 0, topics: [] },
              offsets: { topics: [] },
              'offset-commit': { version: 0, consumerGroupId: 'g', topics: [] },
              'offset-fetch': { version: 0, consumerGroupId: 'g', topics: [] },
              'consumer-metadata': { consumerGroup: 'g' },
              produce: { requiredAcks: 1, timeoutMs: 0, topics: [] },
            } as const
          )[s.api],
        );
        expect(anyRequest.decodeResponse(new Reader(body))).toEqual(s.response);
      });

      it('encodes the value to the golden frame, and round-trips', () => {
        const frame = encodeResponseFrame(s.correlationId, (w) => codec.encodeResponse(w, s.response));
        expect(toHex(frame)).toBe(toHex(s.golden));
        const w = new Writer();
        codec.encodeResponse(w, codec.decodeResponse(new Reader(frame, 8)));
        expect(toHex(w.toBuffer())).toBe(toHex(frame.subarray(8)));
      });
    });
  }

  it('fetch MessageSets are zero-copy views into the response frame', () => {
    const s = RESPONSE_SAMPLES.find((x) => x.api === 'fetch');
    if (!s) throw new Error('no fetch response sample');
    const { body } = splitResponse(s.golden);
    const decoded = codecFor('fetch').decodeResponse(new Reader(body)) as {
      topics: { partitions: { messageSet: Buffer }[] }[];
    };
    const ms = decoded.topics[0]?.partitions[0]?.messageSet;
    expect(ms?.buffer).toBe(s.golden.buffer);
  });
});
