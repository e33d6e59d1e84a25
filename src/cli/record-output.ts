import { StringDecoder } from 'node:string_decoder';
import type { Encoding } from './encoding.js';
import { renderTemplate, type TemplatePart } from './record-template.js';

/** `json`, `value`, or a parsed kcat-style template (written as raw bytes). */
export type RecordFormat = 'json' | 'value' | readonly TemplatePart[];

/** Output is handed to the stream in pieces of about this size (and waits when it is full). */
const FLUSH_CHARS = 64 * 1024;
/** Bytes of a key or value encoded at a time: a multiple of 3, so base64 pieces join cleanly. */
const SLICE_BYTES = 3 * 256 * 1024;

/** What the writer needs of stdout: `write` returning false when full, then 'drain'. */
export interface OutputStream {
  write(text: string, encoding: BufferEncoding): boolean;
  once(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

/**
 * Prints records one per line to a stream, with backpressure. Small records are gathered into
 * pieces of about 64 KiB; a key or value bigger than a slice is encoded and written a slice at a
 * time, so no string ever comes near V8's maximum length and memory stays proportional to a slice,
 * whatever the message size (a 63 MiB value used to be built into one JSON string and crash).
 * utf8 replaces invalid sequences, as `Buffer.toString` does: base64 or hex keep binary data.
 */
export class RecordOutput {
  private pending = '';

  constructor(
    private readonly out: OutputStream,
    private readonly format: RecordFormat,
    private readonly keyEncoding: Encoding,
    private readonly valueEncoding: Encoding,
    private readonly signal: AbortSignal,
  ) {}

  async record(
    topic: string,
    partition: number,
    offset: bigint,
    key: Buffer | null,
    value: Buffer | null,
  ): Promise<void> {
    if (typeof this.format !== 'string') {
      // A template's output is bytes (keys and values as they are, like kcat): one latin1 char each.
      this.pending += renderTemplate(this.format, topic, partition, offset, key, value);
      if (this.pending.length >= FLUSH_CHARS) await this.flush();
      return;
    }
    if (this.format === 'value') {
      await this.bytes(value, this.valueEncoding, false);
    } else {
      this.pending += `{"topic":${JSON.stringify(topic)},"partition":${partition},"offset":"${offset}","key":`;
      await this.bytes(key, this.keyEncoding, true);
      this.pending += ',"value":';
      await this.bytes(value, this.valueEncoding, true);
      this.pending += '}';
    }
    this.pending += '\n';
    if (this.pending.length >= FLUSH_CHARS) await this.flush();
  }

  /** Writes what is gathered; resolves when the stream took it (or the run was stopped). */
  flush(): Promise<void> {
    const text = this.pending;
    this.pending = '';
    const encoding = typeof this.format === 'string' ? 'utf8' : 'latin1';
    if (text.length === 0 || this.out.write(text, encoding) || this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      this.out.once('drain', done);
      this.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** A key or value as text (a JSON string when `quoted`; JSON null for null). */
  private async bytes(b: Buffer | null, encoding: Encoding, quoted: boolean): Promise<void> {
    if (b === null) {
      if (quoted) this.pending += 'null';
      return;
    }
    if (b.length <= SLICE_BYTES) {
      const text = b.toString(encoding);
      this.pending += quoted ? JSON.stringify(text) : text;
      return;
    }
    // A StringDecoder keeps a UTF-8 sequence cut by a slice boundary for the next slice, so the
    // pieces read exactly as the whole value would.
    const decoder = encoding === 'utf8' ? new StringDecoder('utf8') : undefined;
    if (quoted) this.pending += '"';
    for (let at = 0; at < b.length && !this.signal.aborted; at += SLICE_BYTES) {
      const slice = b.subarray(at, Math.min(b.length, at + SLICE_BYTES));
      const text = decoder !== undefined ? decoder.write(slice) : slice.toString(encoding);
      this.pending += quoted ? JSON.stringify(text).slice(1, -1) : text;
      await this.flush();
    }
    const tail = decoder?.end() ?? '';
    this.pending += quoted ? `${JSON.stringify(tail).slice(1, -1)}"` : tail;
  }
}
