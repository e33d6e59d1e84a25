import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Codec } from '../../../src/protocol/compression/index.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import {
  type DecodeMessageSetOptions,
  decodeMessageSet,
  expandMessageSet,
  forEachMessage,
  verifyMessageSet,
} from '../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { configureWasmVerify } from '../../../src/protocol/wasm-verify.js';
import { rawEntry } from '../message-set/helpers.js';

// expandMessageSet must check exactly what verifyMessageSet checks, and its pieces, visited
// without CRCs, must yield exactly the messages decodeMessageSet yields.

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const CODECS = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4] as const;

/** Plain runs and wrappers of every codec, back to back, offsets contiguous from `base`. */
function mixedSet(r: () => number, base = 100n): { buf: Buffer; first: bigint; end: bigint } {
  const parts: Buffer[] = [];
  let next = base;
  const pieces = 1 + Math.floor(r() * 6);
  for (let i = 0; i < pieces; i++) {
    const n = 1 + Math.floor(r() * 30);
    const messages = Array.from({ length: n }, (_, j) => ({
      key: r() < 0.3 ? null : Buffer.from(`k${j}`),
      value: r() < 0.1 ? null : Buffer.from(`value-${next + BigInt(j)}-${'x'.repeat(Math.floor(r() * 80))}`),
    }));
    const codec = CODECS[Math.floor(r() * CODECS.length)]!;
    parts.push(encodeMessageSet(messages, { codec, baseOffset: next }));
    next += BigInt(n);
  }
  return { buf: Buffer.concat(parts), first: base, end: next };
}

function viaPieces(buf: Buffer, options: DecodeMessageSetOptions) {
  const x = expandMessageSet(buf, options);
  const seen: { offset: bigint; key: string | null; value: string | null }[] = [];
  for (const s of x.sets)
    forEachMessage(
      s,
      (offset, key, value) => {
        seen.push({ offset, key: key?.toString('latin1') ?? null, value: value?.toString('latin1') ?? null });
      },
      { ...options, verifyCrc: false },
    );
  return { x, seen };
}

function outcome(f: () => unknown): unknown {
  try {
    return { ok: f() };
  } catch (e) {
    if (!(e instanceof CorruptError)) throw e;
    return {
      err: { reason: e.reason, message: e.message, position: e.position, field: e.field, offset: e.offset },
    };
  }
}

describe('expandMessageSet', () => {
  it('yields the same messages and summary as decodeMessageSet / verifyMessageSet', () => {
    const r = rng(0x5e7);
    for (let round = 0; round < 150; round++) {
      const { buf, first, end } = mixedSet(r);
      // Fetch offsets before, inside and past the set, so wrappers are entered mid-way.
      const fetchOffset = first + BigInt(Math.floor(r() * Number(end - first + 2n)));
      const cut = r() < 0.3 ? buf.subarray(0, Math.floor(r() * buf.length)) : buf;
      const options = { fetchOffset, topic: 't', partition: 3 };
      const decoded = outcome(() => decodeMessageSet(cut, options));
      const verified = outcome(() => verifyMessageSet(cut, options));
      const expanded = outcome(() => viaPieces(cut, options));
      if ('err' in (verified as object)) {
        expect(expanded).toEqual(verified);
        continue;
      }
      const d = (decoded as { ok: ReturnType<typeof decodeMessageSet> }).ok;
      const v = (verified as { ok: ReturnType<typeof verifyMessageSet> }).ok;
      const { x, seen } = (expanded as { ok: ReturnType<typeof viaPieces> }).ok;
      expect(seen).toEqual(
        d.messages.map((m) => ({
          offset: m.offset,
          key: m.key?.toString('latin1') ?? null,
          value: m.value?.toString('latin1') ?? null,
        })),
      );
      expect(x.count).toBe(v.count);
      expect({
        partialTail: x.partialTail,
        nextOffset: x.nextOffset,
        firstEntrySize: x.firstEntrySize,
        validBytes: x.validBytes,
      }).toEqual({
        partialTail: v.partialTail,
        nextOffset: v.nextOffset,
        firstEntrySize: v.firstEntrySize,
        validBytes: v.validBytes,
      });
    }
  });

  it('rejects what verifyMessageSet rejects, with the same error (inner CRCs included)', () => {
    const r = rng(0xbad);
    let failures = 0;
    for (let round = 0; round < 300; round++) {
      const { buf } = mixedSet(r);
      const broken = Buffer.from(buf);
      const at = Math.floor(r() * broken.length);
      broken[at] = broken[at]! ^ (1 + Math.floor(r() * 255));
      const verified = outcome(() => verifyMessageSet(broken, { topic: 't', partition: 0 }));
      const expanded = outcome(() => {
        const { sets: _sets, ...rest } = expandMessageSet(broken, { topic: 't', partition: 0 });
        return rest;
      });
      expect(expanded).toEqual(verified);
      if ('err' in (verified as object)) failures++;
    }
    // A flipped byte almost always breaks a CRC or a length: the comparison above saw errors.
    expect(failures).toBeGreaterThan(250);
  });

  it('verifyMessageSet stays right when a wrapper is verified in wasm mid-walk (window reuse)', () => {
    // Found by the test above: the inner set's wasm walk overwrote the outer walk's window.
    const r = rng(0x5e7);
    for (let round = 0; round < 200; round++) {
      const { buf } = mixedSet(r);
      for (const cut of [buf.length, Math.floor(r() * buf.length)]) {
        const set = buf.subarray(0, cut);
        const withWasm = outcome(() => verifyMessageSet(set, { fetchOffset: 110n }));
        configureWasmVerify({ enabled: false });
        try {
          expect(withWasm).toEqual(outcome(() => verifyMessageSet(set, { fetchOffset: 110n })));
        } finally {
          configureWasmVerify({ enabled: true });
        }
      }
    }
  });

  it('checks inner CRCs: a wrapper around a damaged inner message fails, with its outer CRC right', () => {
    const inner = encodeMessageSet([{ key: null, value: Buffer.from('hello world, hello world') }], {
      baseOffset: 7n,
    });
    const damaged = Buffer.from(inner);
    damaged[damaged.length - 1] = damaged[damaged.length - 1]! ^ 1;
    const wrapper = (set: Buffer) => rawEntry({ offset: 7n, attributes: Codec.Gzip, value: gzipSync(set) });
    expect(expandMessageSet(wrapper(inner)).count).toBe(1);
    const err = outcome(() => expandMessageSet(wrapper(damaged)));
    expect(err).toMatchObject({ err: { reason: 'bad-crc' } });
    expect(err).toEqual(outcome(() => verifyMessageSet(wrapper(damaged))));
  });
});
