import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRequest, Reader, Writer } from '../../../src/protocol/index.js';
import { REQUEST_ARBITRARIES, RESPONSE_ARBITRARIES } from '../../fixtures/protocol/arbitraries.js';
import { CODECS, codecFor } from '../../fixtures/protocol/codecs.js';
import { splitRequest } from '../../fixtures/protocol/frames.js';

const RUNS = { seed: 20150301, numRuns: 150 } as const;

describe('property round trips (fixed seed)', () => {
  for (const api of Object.keys(CODECS) as (keyof typeof CODECS)[]) {
    const codec = codecFor(api);

    it(`${api} request: decode(encode(x)) equals x, and re-encoding gives the same frame`, () => {
      fc.assert(
        fc.property(REQUEST_ARBITRARIES[api], fc.nat({ max: 0x7fffffff }), (req, corr) => {
          const frame = encodeRequest(codec.factory(req), corr, 'client');
          const { header, body } = splitRequest(frame);
          expect(header.correlationId).toBe(corr);
          const decoded = codec.decodeRequest(body, header.apiVersion);
          expect(decoded).toEqual(req);
          expect(encodeRequest(codec.factory(decoded), corr, 'client').equals(frame)).toBe(true);
        }),
        RUNS,
      );
    });

    it(`${api} response: decode(encode(x)) equals x, and re-encoding gives the same bytes`, () => {
      fc.assert(
        fc.property(RESPONSE_ARBITRARIES[api], (resp) => {
          const w = new Writer(16);
          codec.encodeResponse(w, resp);
          const bytes = w.toBuffer();
          const decoded = codec.decodeResponse(new Reader(bytes));
          expect(decoded).toEqual(resp);
          const w2 = new Writer(16);
          codec.encodeResponse(w2, decoded);
          expect(w2.toBuffer().equals(bytes)).toBe(true);
        }),
        RUNS,
      );
    });
  }
});
