/**
 * A broker (or a fuzzer) must never get anything out of a decoder except a value or a
 * ProtocolDecodeError: no RangeError/TypeError, no hang, no allocation driven by a hostile count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CorruptError,
  ProtocolDecodeError,
  Reader,
  TruncatedError,
  Writer,
} from '../../../src/protocol/index.js';
import { CODECS, codecFor } from '../../fixtures/protocol/codecs.js';
import { splitRequest, splitResponse } from '../../fixtures/protocol/frames.js';
import { REQUEST_SAMPLES, RESPONSE_SAMPLES } from '../../fixtures/protocol/samples.js';

const FUZZ = { seed: 0x6b61666b, numRuns: 400 } as const;

/** The body of every request sample, with the version its header carried. */
const requestBodies = REQUEST_SAMPLES.map((s) => {
  const { header, body } = splitRequest(s.golden);
  return { name: s.name, api: s.api, version: header.apiVersion, body: body.rest() };
});
const responseBodies = RESPONSE_SAMPLES.map((s) => ({
  name: s.name,
  api: s.api,
  body: splitResponse(s.golden).body,
}));

/** Runs `decode`; a value or a ProtocolDecodeError is fine, anything else is rethrown. */
function outcome(
  decode: () => unknown,
): { ok: true; value: unknown } | { ok: false; error: ProtocolDecodeError } {
  try {
    return { ok: true, value: decode() };
  } catch (e) {
    if (e instanceof ProtocolDecodeError) return { ok: false, error: e };
    throw e;
  }
}

describe('truncation sweep', () => {
  for (const s of responseBodies) {
    it(`response ${s.name}: every prefix is TruncatedError, a trailing byte is trailing-bytes`, () => {
      const codec = codecFor(s.api);
      for (let n = 0; n < s.body.length; n++) {
        expect(() => codec.decodeResponse(new Reader(s.body.subarray(0, n))), `prefix ${n}`).toThrow(
          TruncatedError,
        );
      }
      for (const extra of [Buffer.from([0]), Buffer.from([0xff, 0xff, 0xff, 0xff])]) {
        const r = outcome(() => codec.decodeResponse(new Reader(Buffer.concat([s.body, extra]))));
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error).toBeInstanceOf(CorruptError);
          expect((r.error as CorruptError).reason).toBe('trailing-bytes');
        }
      }
    });
  }

  for (const s of requestBodies) {
    it(`request ${s.name}: every prefix is TruncatedError, a trailing byte is trailing-bytes`, () => {
      const codec = codecFor(s.api);
      for (let n = 0; n < s.body.length; n++) {
        expect(() => codec.decodeRequest(new Reader(s.body.subarray(0, n)), s.version)).toThrow(
          TruncatedError,
        );
      }
      const r = outcome(() =>
        codec.decodeRequest(new Reader(Buffer.concat([s.body, Buffer.alloc(1)])), s.version),
      );
      expect(r.ok ? 'decoded' : (r.error as CorruptError).reason).toBe('trailing-bytes');
    });
  }
});

describe('fuzz (fixed seed)', () => {
  const apis = Object.keys(CODECS) as (keyof typeof CODECS)[];

  it('random bytes give a value or a ProtocolDecodeError, for every decoder', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...apis),
        fc.uint8Array({ maxLength: 96 }),
        fc.boolean(),
        (api, raw, asRequest) => {
          const codec = codecFor(api);
          const buf = Buffer.from(raw);
          for (const version of asRequest ? codec.versions : [0]) {
            outcome(() =>
              asRequest
                ? codec.decodeRequest(new Reader(buf), version)
                : codec.decodeResponse(new Reader(buf)),
            );
          }
        },
      ),
      FUZZ,
    );
  });

  const mutation = (len: number) =>
    fc.record({
      edits: fc.array(fc.tuple(fc.nat({ max: Math.max(0, len - 1) }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      cut: fc.option(fc.nat({ max: len }), { nil: undefined }),
    });

  function mutate(body: Buffer, m: { edits: [number, number][]; cut: number | undefined }): Buffer {
    const b = Buffer.from(body);
    for (const [at, v] of m.edits) if (at < b.length) b[at] = v;
    return m.cut === undefined ? b : b.subarray(0, m.cut);
  }

  for (const s of responseBodies) {
    it(`mutated response ${s.name}: value or ProtocolDecodeError; values re-encode stably`, () => {
      const codec = codecFor(s.api);
      fc.assert(
        fc.property(mutation(s.body.length), (m) => {
          const r = outcome(() => codec.decodeResponse(new Reader(mutate(s.body, m))));
          if (!r.ok) return;
          // Whatever decoded must survive encode -> decode unchanged (nulls and UTF-8 normalise).
          const w = new Writer();
          codec.encodeResponse(w, r.value);
          expect(codec.decodeResponse(new Reader(w.toBuffer()))).toEqual(r.value);
        }),
        FUZZ,
      );
    });
  }

  for (const s of requestBodies) {
    it(`mutated request ${s.name}: value or ProtocolDecodeError`, () => {
      const codec = codecFor(s.api);
      fc.assert(
        fc.property(mutation(s.body.length), (m) => {
          outcome(() => codec.decodeRequest(new Reader(mutate(s.body, m)), s.version));
        }),
        FUZZ,
      );
    });
  }
});
