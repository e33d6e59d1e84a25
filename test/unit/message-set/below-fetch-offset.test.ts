import { afterEach, describe, expect, it } from 'vitest';
import { Codec, compress } from '../../../src/protocol/compression/index.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import {
  decodeMessageSet,
  expandMessageSet,
  forEachMessage,
  verifyMessageSet,
} from '../../../src/protocol/message-set.js';
import { configureWasmVerify } from '../../../src/protocol/wasm-verify.js';
import { thrown } from '../../helpers/thrown.js';
import { rawEntry } from './helpers.js';

// Messages below the fetch offset are skipped, not delivered, so their CRCs are not checked (as
// Kafka's Java consumer validates only the records it returns). Without that, a damaged message
// inside a compressed wrapper could never be skipped: reading on from its offset + 1 fetches the
// same wrapper again (a broker answers with whole wrappers), and the skipped message failed it.

afterEach(() => configureWasmVerify({ enabled: true }));

/** Plain entries `p<i>` (padded to `size` bytes) at offsets from..to-1, the one at `bad` with a wrong CRC. */
function plain(from: number, to: number, bad: number, size = 0): Buffer {
  return Buffer.concat(
    Array.from({ length: to - from }, (_, i) =>
      rawEntry({
        offset: BigInt(from + i),
        value: Buffer.from(`p${from + i}`.padEnd(size, '.')),
        crc: from + i === bad ? 1 : undefined,
      }),
    ),
  );
}

function visited(set: Buffer, fetchOffset: bigint): string[] {
  const out: string[] = [];
  forEachMessage(set, (offset, _k, v) => out.push(`${offset}:${v?.toString()}`), { fetchOffset });
  return out;
}

function failure(run: () => unknown): CorruptError {
  return thrown(CorruptError, run);
}

for (const wasm of [true, false]) {
  describe(`messages below the fetch offset (wasm walk ${wasm ? 'on' : 'off'})`, () => {
    // Values on both sides of the CRC switch (zlib.crc32 from 384 bytes) and of the wasm walk's
    // largest message, so every CRC path meets a damaged message below the fetch offset.
    for (const size of [100, 383, 384, 5000, 70_000]) {
      it(`${size}-byte values: a damaged one below the fetch offset is skipped, at it it fails`, () => {
        configureWasmVerify({ enabled: wasm });
        const set = plain(0, 6, 2, size);
        expect(verifyMessageSet(set, { fetchOffset: 3n }).count).toBe(3);
        expect(failure(() => verifyMessageSet(set, { fetchOffset: 2n }))).toMatchObject({
          reason: 'bad-crc',
          offset: 2n,
        });
      });
    }

    it('a plain set: a bad CRC below the fetch offset is skipped with its message; at it, it fails', () => {
      configureWasmVerify({ enabled: wasm });
      const set = plain(0, 10, 3);
      expect(verifyMessageSet(set, { fetchOffset: 4n }).count).toBe(6);
      expect(visited(set, 4n)).toEqual(Array.from({ length: 6 }, (_, i) => `${i + 4}:p${i + 4}`));
      expect(decodeMessageSet(set, { fetchOffset: 4n }).messages.map((m) => m.offset)).toEqual([
        4n,
        5n,
        6n,
        7n,
        8n,
        9n,
      ]);
      const err = failure(() => verifyMessageSet(set, { fetchOffset: 3n }));
      expect(err).toMatchObject({ reason: 'bad-crc', offset: 3n });
      expect(failure(() => verifyMessageSet(set))).toMatchObject({ reason: 'bad-crc', offset: 3n });
    });

    for (const [name, codec] of [
      ['gzip', Codec.Gzip],
      ['snappy', Codec.Snappy],
      ['lz4', Codec.Lz4],
    ] as const) {
      it(`a ${name} wrapper with a damaged inner message: readable from the offset after it`, () => {
        configureWasmVerify({ enabled: wasm });
        const inner = plain(10, 15, 12);
        const set = Buffer.concat([
          rawEntry({ offset: 14n, attributes: codec, value: compress(codec, inner) }),
          plain(15, 17, -1),
        ]);
        const err = failure(() => verifyMessageSet(set, { fetchOffset: 10n }));
        expect(err).toMatchObject({
          reason: 'bad-crc',
          offset: 12n,
          field: 'MessageSet[].value.MessageSet[].Crc',
        });
        // Where in the fetch buffer (the wrapper), then where inside the decompressed set, once.
        expect(err.message).toMatch(
          /^corrupt input \(bad-crc\) at position 12 in MessageSet\[\]\.value\.MessageSet\[\]\.Crc: byte \d+ of the decompressed set: stored CRC 1 != computed [0-9a-f]+$/,
        );
        expect(failure(() => expandMessageSet(set, { fetchOffset: 12n }))).toMatchObject({
          reason: 'bad-crc',
          offset: 12n,
        });
        const x = expandMessageSet(set, { fetchOffset: 13n });
        expect(x.count).toBe(4);
        expect(x.sets.flatMap((s) => visited(s, 13n))).toEqual(['13:p13', '14:p14', '15:p15', '16:p16']);
        expect(visited(set, 13n)).toEqual(['13:p13', '14:p14', '15:p15', '16:p16']);
      });
    }

    it('a wrapper nested inside a wrapper: refused at or above the fetch offset, skipped below it', () => {
      configureWasmVerify({ enabled: wasm });
      const nested = rawEntry({
        offset: 12n,
        attributes: Codec.Gzip,
        value: compress(Codec.Gzip, plain(12, 13, -1)),
      });
      const inner = Buffer.concat([plain(10, 12, -1), nested, plain(13, 15, -1)]);
      const set = rawEntry({ offset: 14n, attributes: Codec.Snappy, value: compress(Codec.Snappy, inner) });
      expect(failure(() => verifyMessageSet(set, { fetchOffset: 12n }))).toMatchObject({
        reason: 'bad-codec',
        offset: 12n,
      });
      expect(verifyMessageSet(set, { fetchOffset: 13n }).count).toBe(2);
      expect(visited(set, 13n)).toEqual(['13:p13', '14:p14']);
    });

    it("a wrapper's own CRC is checked whatever the fetch offset: nothing inside it can be trusted", () => {
      configureWasmVerify({ enabled: wasm });
      const inner = plain(10, 15, -1);
      const set = rawEntry({
        offset: 14n,
        attributes: Codec.Gzip,
        value: compress(Codec.Gzip, inner),
        crc: 1,
      });
      expect(failure(() => verifyMessageSet(set, { fetchOffset: 13n }))).toMatchObject({
        reason: 'bad-crc',
        offset: 14n,
      });
    });
  });
}
