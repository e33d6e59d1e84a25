import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Codec } from '../../../src/protocol/compression/index.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import { decodeMessageSet } from '../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { fixCrc } from './helpers.js';

// Fixed seed and bounded runs: the same inputs every time, so a failure is reproducible.
const params = { seed: 0x08_02_02, numRuns: 400 };

const message = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
});
const codec = fc.constantFrom(Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4);

/** Decoding may succeed or throw CorruptError; anything else (RangeError, TypeError...) is a bug. */
function decodeOrCorrupt(buf: Buffer): void {
  try {
    decodeMessageSet(buf, { maxDecompressedBytes: 1 << 20 });
  } catch (e) {
    if (!(e instanceof CorruptError)) throw e;
  }
}

describe('message set fuzz', () => {
  it('round-trips any messages in any codec', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 20 }), codec, (msgs, c) => {
        const out = decodeMessageSet(encodeMessageSet(msgs, { codec: c }));
        expect(out.messages.map((m) => [m.key && [...m.key], m.value && [...m.value]])).toEqual(
          msgs.map((m) => [m.key && [...m.key], m.value && [...m.value]]),
        );
      }),
      params,
    );
  });

  it('never lets a non-Kafka08 error escape on mutated sets', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 8 }),
        codec,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (msgs, c, edits, cut) => {
          const buf = Buffer.from(encodeMessageSet(msgs, { codec: c }));
          for (const [at, byte] of edits) buf[at % buf.length] = byte;
          decodeOrCorrupt(buf);
          decodeOrCorrupt(buf.subarray(0, cut % (buf.length + 1)));
        },
      ),
      params,
    );
  });

  it('feeds mutated compressed bodies (wrapper CRC fixed up) to the decompressors safely', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(Codec.Gzip, Codec.Snappy, Codec.Lz4),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (msgs, c, edits) => {
          const buf = Buffer.from(encodeMessageSet(msgs, { codec: c }));
          // Bytes from 26 on are the compressed value; the CRC is recomputed so the body is reached.
          for (const [at, byte] of edits) buf[26 + (at % (buf.length - 26))] = byte;
          decodeOrCorrupt(fixCrc(buf));
        },
      ),
      { ...params, numRuns: 1500 },
    );
  });

  it('never lets a non-Kafka08 error escape on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => decodeOrCorrupt(Buffer.from(bytes))),
      params,
    );
  });
});
