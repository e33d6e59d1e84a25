import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Encoding } from '../../../src/cli/encoding.js';
import { type OutputStream, type RecordFormat, RecordOutput } from '../../../src/cli/record-output.js';

/** A stream that keeps what it is given, is "full" after every write, and drains on the next tick. */
class SlowStream extends EventEmitter implements OutputStream {
  readonly pieces: string[] = [];
  waiting = false;
  write(text: string): boolean {
    expect(this.waiting).toBe(false);
    this.pieces.push(text);
    this.waiting = true;
    setImmediate(() => {
      this.waiting = false;
      this.emit('drain');
    });
    return false;
  }
}

/** What the CLI printed before, for one record: the whole value encoded at once. */
function whole(format: RecordFormat, key: Buffer | null, value: Buffer | null, enc: Encoding): string {
  if (format === 'value') return `${value?.toString(enc) ?? ''}\n`;
  return `${JSON.stringify({
    topic: 't"x',
    partition: 3,
    offset: '12345678901234',
    key: key?.toString(enc) ?? null,
    value: value?.toString(enc) ?? null,
  })}\n`;
}

/** Bytes that are mostly multi-byte UTF-8, with invalid sequences and control characters mixed in. */
function awkward(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const pick = s >>> 29;
    b[i] = pick < 3 ? 0xe2 + (pick & 1) : pick < 6 ? 0x80 + ((s >>> 8) & 0x3f) : (s >>> 8) & 0xff;
  }
  return b;
}

const SLICE = 3 * 256 * 1024;

describe('RecordOutput', () => {
  for (const format of ['json', 'value'] as const) {
    for (const enc of ['utf8', 'base64', 'hex'] as const) {
      it(`prints exactly what one encode of the whole record gives (${format}, ${enc}), around the slice size`, async () => {
        const stream = new SlowStream();
        const out = new RecordOutput(stream, format, enc, enc, new AbortController().signal);
        let expected = '';
        const sizes = [0, 1, SLICE - 1, SLICE, SLICE + 1, 2 * SLICE + 2];
        for (const [i, n] of sizes.entries()) {
          const value = awkward(n, i + 1);
          const key = i % 2 === 0 ? null : awkward(SLICE + i, 99 + i);
          await out.record('t"x', 3, 12345678901234n, key, value);
          expected += whole(format, key, value, enc);
        }
        await out.record('t"x', 3, 12345678901234n, null, null);
        expected += whole(format, null, null, enc);
        await out.flush();
        expect(stream.pieces.join('')).toBe(expected);
        // No piece handed to the stream is much bigger than an encoded slice (6 chars a byte at worst).
        for (const p of stream.pieces) expect(p.length).toBeLessThan(6 * SLICE + 64 * 1024 + 200);
      });
    }
  }

  it('a 100 MiB value of zero bytes prints as JSON without building one string for it', async () => {
    const stream = new SlowStream();
    let total = 0;
    let longest = 0;
    stream.write = (text: string): boolean => {
      total += text.length;
      longest = Math.max(longest, text.length);
      return true;
    };
    const out = new RecordOutput(stream, 'json', 'utf8', 'utf8', new AbortController().signal);
    // "\u0000" is 6 characters: 600 M characters, more than V8's largest string.
    await out.record('t', 0, 0n, null, Buffer.alloc(100 * 1024 * 1024));
    await out.flush();
    expect(total).toBe(
      6 * 100 * 1024 * 1024 + '{"topic":"t","partition":0,"offset":"0","key":null,"value":""}\n'.length,
    );
    expect(longest).toBeLessThan(6 * SLICE + 64 * 1024);
  });

  it('stops writing a large value once the run is aborted, and never waits on a stream that stopped', async () => {
    const stream = new SlowStream();
    stream.write = (text: string): boolean => {
      stream.pieces.push(text);
      return false; // never drains
    };
    const stop = new AbortController();
    const out = new RecordOutput(stream, 'value', 'hex', 'hex', stop.signal);
    const writing = out.record('t', 0, 0n, null, Buffer.alloc(10 * SLICE));
    await new Promise((r) => setImmediate(r));
    stop.abort();
    await writing;
    expect(stream.pieces.length).toBeLessThan(10);
  });
});
