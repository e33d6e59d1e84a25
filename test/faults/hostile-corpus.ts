/**
 * Hostile broker responses: real captured frames (test/fixtures/protocol/hex, from
 * scripts/capture-fixtures.mjs) and fetch answers built like a 0.8 broker's, mutated by seeded
 * fault kinds a broken or malicious broker could send. Shared by the in-process decode run and
 * the fake broker that serves them over real sockets.
 */
import { gzipSync } from 'node:zlib';
import { compress } from '../../src/protocol/compression/index.js';
import { Codec, crc32, encodeFetchResponseBody, encodeMessageSet, Writer } from '../../src/protocol/index.js';
import { loadHexFixtures } from '../fixtures/protocol/bytes.js';

export interface SeedFrame {
  name: string;
  /** Key of test/fixtures/protocol/codecs.ts. */
  api: string;
  /** The complete frame: size, correlation id, body. */
  frame: Buffer;
}

export interface HostileCase {
  seed: SeedFrame;
  mutation: string;
  frame: Buffer;
}

type Rng = () => number;

function frameOf(correlationId: number, body: Buffer): Buffer {
  const out = Buffer.alloc(8 + body.length);
  out.writeInt32BE(4 + body.length, 0);
  out.writeInt32BE(correlationId, 4);
  body.copy(out, 8);
  return out;
}

/** One entry (offset, size, crc, magic 0, attributes, null key, value) with a correct CRC. */
export function entry(offset: bigint, attributes: number, value: Buffer): Buffer {
  const out = Buffer.alloc(8 + 4 + 4 + 2 + 4 + 4 + value.length);
  out.writeBigInt64BE(offset, 0);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt8(0, 16);
  out.writeInt8(attributes, 17);
  out.writeInt32BE(-1, 18);
  out.writeInt32BE(value.length, 22);
  value.copy(out, 26);
  out.writeUInt32BE(crc32(out.subarray(16)) >>> 0, 12);
  return out;
}

function values(n: number, rng: Rng): { value: Buffer }[] {
  return Array.from({ length: n }, (_, i) => {
    const size = 10 + Math.floor(rng() ** 3 * 2000);
    return { value: Buffer.alloc(size, `${i}:`) };
  });
}

function fetchFrame(sets: Buffer[], topic = 'faults'): Buffer {
  const w = new Writer(1024);
  encodeFetchResponseBody(w, {
    topics: [
      {
        topic,
        partitions: sets.map((messageSet, partition) => ({
          partition,
          errorCode: 0,
          highWatermark: 1000n,
          messageSet,
        })),
      },
    ],
  });
  return frameOf(7, w.toBuffer());
}

let bombs: Buffer[] | undefined;

/** Wrappers that decompress far beyond the 64 MiB default budget, built once per process. */
function bombSets(): Buffer[] {
  if (bombs !== undefined) return bombs;
  const zeros = Buffer.alloc(96 * 1024 * 1024);
  const gzipBomb = gzipSync(zeros, { level: 9 });
  // A raw snappy block whose length varint claims 2 GiB - 1, and a xerial frame of blocks
  // each claiming 64 MiB: both must be refused before anything of that size is allocated.
  const snappyClaim = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07, 0x00, 0x61]);
  const xerial = Buffer.alloc(16 + 2 * 11);
  Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]).copy(xerial);
  for (let i = 0; i < 2; i++) {
    const at = 16 + i * 11;
    xerial.writeInt32BE(7, at);
    Buffer.from([0x80, 0x80, 0x80, 0x20, 0x00, 0x61, 0x00]).copy(xerial, at + 4);
  }
  // Snappy's best ratio is about 21:1, so a real snappy bomb is a long run of copies.
  const snappyReal = compress(Codec.Snappy, Buffer.alloc(70 * 1024 * 1024));
  bombs = [
    entry(0n, Codec.Gzip, gzipBomb),
    entry(0n, Codec.Snappy, snappyClaim),
    entry(0n, Codec.Snappy, xerial),
    entry(0n, Codec.Snappy, snappyReal),
  ];
  return bombs;
}

export interface Seeds {
  /** Captured frames and fetch answers in every codec, nested wrappers, backward offsets. */
  plain: SeedFrame[];
  /** Decompression bombs: each costs up to the 64 MiB budget to refuse, so they are drawn rarely. */
  bombs: SeedFrame[];
}

export function seedFrames(rng: Rng, withBombs: boolean): Seeds {
  const seeds: SeedFrame[] = loadHexFixtures()
    .filter((f) => f.kind === 'response')
    .map((f) => ({ name: f.file, api: f.api, frame: f.frame }));
  const codecs = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4] as const;
  const perCodec = codecs.map((codec, i) =>
    encodeMessageSet(values(20, rng), { codec, baseOffset: BigInt(i * 100) }),
  );
  seeds.push({ name: 'fetch: one partition per codec', api: 'fetch', frame: fetchFrame(perCodec) });
  const inner = encodeMessageSet(values(5, rng), { codec: Codec.Snappy, baseOffset: 10n });
  const nested = entry(14n, Codec.Gzip, compress(Codec.Gzip, inner));
  const doubleNested = entry(14n, Codec.Lz4, compress(Codec.Lz4, nested));
  seeds.push({ name: 'fetch: nested wrappers', api: 'fetch', frame: fetchFrame([nested, doubleNested]) });
  const backwards = Buffer.concat([
    encodeMessageSet(values(3, rng), { baseOffset: 50n }),
    encodeMessageSet(values(3, rng), { baseOffset: 10n }),
    encodeMessageSet(values(2, rng), { codec: Codec.Gzip, baseOffset: 5n }),
  ]);
  seeds.push({ name: 'fetch: offsets going backwards', api: 'fetch', frame: fetchFrame([backwards]) });
  const bombSeeds = withBombs
    ? bombSets().map((bomb, i) => ({
        name: `fetch: decompression bomb ${i}`,
        api: 'fetch',
        frame: fetchFrame([bomb]),
      }))
    : [];
  return { plain: seeds, bombs: bombSeeds };
}

/** Share of cases drawn from the bombs. */
const BOMB_SHARE = 0.004;

const HOSTILE_INT32 = [0x7fffffff, -0x80000000, -1, -2, 0, 0x7ffffff0, 0x40000000, 1];

/** Positions of the frame past its size prefix and correlation id. */
function bodyAt(rng: Rng, frame: Buffer, width = 1): number {
  const span = Math.max(1, frame.length - 8 - width + 1);
  return 8 + Math.floor(rng() * span);
}

const MUTATIONS: Record<string, (rng: Rng, f: Buffer) => Buffer> = {
  truncate: (rng, f) => f.subarray(0, 8 + Math.floor(rng() * (f.length - 8))),
  'flip bytes': (rng, f) => {
    const out = Buffer.from(f);
    const n = 1 + Math.floor(rng() * 8);
    for (let i = 0; i < n && out.length > 8; i++) out[bodyAt(rng, out)]! ^= 1 + Math.floor(rng() * 255);
    return out;
  },
  'hostile int32 (lengths, counts up to 2 GiB, negative)': (rng, f) => {
    if (f.length < 12) return f;
    const out = Buffer.from(f);
    out.writeInt32BE(HOSTILE_INT32[Math.floor(rng() * HOSTILE_INT32.length)]!, bodyAt(rng, out, 4));
    return out;
  },
  'random span': (rng, f) => {
    const out = Buffer.from(f);
    const at = bodyAt(rng, out);
    const end = Math.min(out.length, at + 1 + Math.floor(rng() * 32));
    for (let i = at; i < end; i++) out[i] = Math.floor(rng() * 256);
    return out;
  },
  'inserted bytes': (rng, f) => {
    const at = bodyAt(rng, f);
    const extra = Buffer.from(
      Array.from({ length: 1 + Math.floor(rng() * 16) }, () => Math.floor(rng() * 256)),
    );
    return Buffer.concat([f.subarray(0, at), extra, f.subarray(at)]);
  },
  'bad CRC': (rng, f) => {
    // CRCs sit 12 bytes into each message entry; flipping any byte in the back half of a fetch
    // body hits message bytes, so the CRC no longer matches (or the structure breaks).
    const out = Buffer.from(f);
    const from = 8 + Math.floor((out.length - 8) / 2);
    out[from + Math.floor(rng() * (out.length - from))]! ^= 0x5a;
    return out;
  },
  'trailing garbage': (rng, f) =>
    Buffer.concat([
      f,
      Buffer.from(Array.from({ length: 1 + Math.floor(rng() * 64) }, () => Math.floor(rng() * 256))),
    ]),
  'no mutation': (_rng, f) => f,
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** One case: a seed, a mutation kind, and the mutated frame (size prefix fixed up to match). */
export function hostileCase(rng: Rng, seeds: Seeds): HostileCase {
  const from = seeds.bombs.length > 0 && rng() < BOMB_SHARE ? seeds.bombs : seeds.plain;
  const seed = from[Math.floor(rng() * from.length)]!;
  const mutation = MUTATION_NAMES[Math.floor(rng() * MUTATION_NAMES.length)]!;
  let frame = MUTATIONS[mutation]!(rng, seed.frame);
  // Half the time the size prefix tells the truth about the mutated body, half it keeps the old one.
  if (rng() < 0.5 && frame.length >= 4) {
    frame = Buffer.from(frame);
    frame.writeInt32BE(frame.length - 4, 0);
  }
  return { seed, mutation, frame };
}
