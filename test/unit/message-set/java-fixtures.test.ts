import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isXerialFramed } from '../../../src/protocol/compression/index.js';
import { decodeMessageSet } from '../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';

// Sets written by the real Kafka 0.8.2.2 ByteBufferMessageSet (snappy-java 1.1.1.7, lz4 1.2.0 via
// KafkaLZ4BlockOutputStream); regenerate with test/fixtures/message-set/generate.sh.
interface Fixture {
  baseOffset: number;
  count: number;
  valueBytes: number;
  hex: string;
}
const fixtures = JSON.parse(
  readFileSync(new URL('../../fixtures/message-set/java-0.8.2.2.json', import.meta.url), 'utf8'),
) as Record<string, Fixture>;

/** The same content formula as GenerateFixtures.java. */
function expected(i: number, valueBytes: number): { key: string | null; value: Buffer } {
  const pattern = 'kafka08 fixture ';
  const value = Buffer.alloc(valueBytes);
  for (let j = 0; j < valueBytes; j++) value[j] = (pattern.charCodeAt(j % 16) + (i % 3)) & 0xff;
  return { key: i % 4 === 0 ? null : `key-${i}`, value };
}

describe('message sets written by the Kafka 0.8.2.2 Java code', () => {
  it.each(Object.entries(fixtures))('%s decodes to the generated messages', (_name, f) => {
    const out = decodeMessageSet(Buffer.from(f.hex, 'hex'));
    expect(out.partialTail).toBe(false);
    expect(out.messages).toHaveLength(f.count);
    out.messages.forEach((m, i) => {
      const want = expected(i, f.valueBytes);
      expect(m.offset).toBe(BigInt(f.baseOffset + i));
      expect(m.key === null ? null : m.key.toString()).toBe(want.key);
      expect(m.value?.equals(want.value)).toBe(true);
    });
    expect(out.nextOffset).toBe(BigInt(f.baseOffset + f.count));
  });

  it('the Java LZ4 frame carries the broken header checksum 0x1A, and ours matches it', () => {
    const java = Buffer.from(fixtures.lz4!.hex, 'hex');
    expect(java.subarray(26, 33).toString('hex')).toBe('04224d1860401a');
  });

  it('the Java snappy value is xerial-framed with several chunks when large', () => {
    const value = Buffer.from(fixtures.snappyLarge!.hex, 'hex').subarray(26);
    expect(isXerialFramed(value)).toBe(true);
  });

  it('the uncompressed Java set is byte-identical to what we encode', () => {
    const f = fixtures.none!;
    const msgs = Array.from({ length: f.count }, (_, i) => {
      const e = expected(i, f.valueBytes);
      return { key: e.key === null ? null : Buffer.from(e.key), value: e.value };
    });
    expect(encodeMessageSet(msgs, { baseOffset: BigInt(f.baseOffset) }).toString('hex')).toBe(f.hex);
  });

  it('a fetch landing inside a Java gzip wrapper drops the earlier inner messages', () => {
    const f = fixtures.gzip!;
    const out = decodeMessageSet(Buffer.from(f.hex, 'hex'), { fetchOffset: BigInt(f.baseOffset + 7) });
    expect(out.messages.map((m) => m.offset)).toEqual([107n, 108n, 109n]);
  });
});
