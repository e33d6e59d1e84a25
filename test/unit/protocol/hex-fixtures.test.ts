import { describe, expect, it } from 'vitest';
import {
  CorruptError,
  encodeRequestFrame,
  encodeResponseFrame,
  Reader,
  TruncatedError,
} from '../../../src/protocol/index.js';
import { loadHexFixtures, toHex } from '../../fixtures/protocol/bytes.js';
import { codecFor } from '../../fixtures/protocol/codecs.js';
import { splitRequest, splitResponse } from '../../fixtures/protocol/frames.js';
import { REQUEST_SAMPLES } from '../../fixtures/protocol/samples.js';

const fixtures = loadHexFixtures();

describe('annotated hex fixtures', () => {
  it('the directory holds request and response fixtures', () => {
    expect(fixtures.some((f) => f.kind === 'request')).toBe(true);
    expect(fixtures.some((f) => f.kind === 'response')).toBe(true);
  });

  for (const f of fixtures) {
    const codec = codecFor(f.api);
    if (f.kind === 'request') {
      it(`${f.file}: decodes and re-encodes byte for byte`, () => {
        const { header, body } = splitRequest(f.frame);
        expect(header.apiKey).toBe(codec.apiKey);
        expect(header.apiVersion).toBe(f.version);
        const decoded = codec.decodeRequest(body, f.version);
        const again = encodeRequestFrame(header, (w) => codec.encodeRequest(w, decoded));
        expect(toHex(again)).toBe(toHex(f.frame));
      });
    } else {
      it(`${f.file}: decodes, re-encodes byte for byte, and every prefix is truncated`, () => {
        const { correlationId, body } = splitResponse(f.frame);
        const decoded = codec.decodeResponse(new Reader(body));
        const again = encodeResponseFrame(correlationId, (w) => codec.encodeResponse(w, decoded));
        expect(toHex(again)).toBe(toHex(f.frame));
        for (let n = 0; n < body.length; n++) {
          expect(() => codec.decodeResponse(new Reader(body.subarray(0, n)))).toThrow(TruncatedError);
        }
        const longer = Buffer.concat([body, Buffer.from([0])]);
        expect(() => codec.decodeResponse(new Reader(longer))).toThrow(CorruptError);
      });
    }
  }

  it('the reference vectors in hex files equal the samples the JVM check reuses', () => {
    for (const f of fixtures.filter((x) => x.kind === 'request')) {
      const sample = REQUEST_SAMPLES.find((s) => s.golden.equals(f.frame));
      expect(sample, `${f.file} has no matching entry in samples.ts`).toBeDefined();
    }
  });
});
