import { decodeText, type Encoding } from './encoding.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Cuts stdin's bytes into lines without decoding them: a line ends at `\n`, and a `\r` just
 * before it is dropped (Windows line ends). A last line without a line end counts too. Lines are
 * views into the chunks they came in (a line across chunks is copied once), so a value's bytes go
 * to the producer exactly as they were read.
 */
export class LineCutter {
  /** The unfinished line's pieces, joined once when its end comes (not at every chunk). */
  private rest: Buffer[] = [];

  /** The lines the chunk completes. */
  cut(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    for (let end = chunk.indexOf(LF); end >= 0; end = chunk.indexOf(LF, start)) {
      let line = chunk.subarray(start, end);
      start = end + 1;
      if (this.rest.length > 0) {
        this.rest.push(line);
        line = Buffer.concat(this.rest);
        this.rest = [];
      }
      out.push(withoutCr(line));
    }
    if (start < chunk.length) this.rest.push(chunk.subarray(start));
    return out;
  }

  /** The last line, when the input did not end with a line end. */
  end(): Buffer | undefined {
    const rest = Buffer.concat(this.rest);
    this.rest = [];
    return rest.length > 0 ? withoutCr(rest) : undefined;
  }
}

function withoutCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
}

export interface LineFormat {
  /** The key separator's UTF-8 bytes; undefined: no keys. */
  keySeparator: Buffer | undefined;
  /** A value equal to these bytes is sent as null. */
  nullValue: Buffer | undefined;
  keyEncoding: Encoding;
  valueEncoding: Encoding;
}

/**
 * One line as a record's key and value. utf8 sends the bytes as they are; hex and base64 are
 * decoded, strictly, so a typo is refused (a UsageError naming the line) instead of sent.
 */
export function lineToRecord(
  line: Buffer,
  lineNo: number,
  f: LineFormat,
): { key: Buffer | null; value: Buffer | null } {
  let key: Buffer | undefined;
  let value = line;
  if (f.keySeparator !== undefined) {
    const at = line.indexOf(f.keySeparator);
    if (at >= 0) {
      key = line.subarray(0, at);
      value = line.subarray(at + f.keySeparator.length);
    }
  }
  return {
    key: key === undefined ? null : decodeBytes(key, f.keyEncoding, `the key on line ${lineNo}`),
    value:
      f.nullValue !== undefined && value.equals(f.nullValue)
        ? null
        : decodeBytes(value, f.valueEncoding, `the value on line ${lineNo}`),
  };
}

function decodeBytes(bytes: Buffer, encoding: Encoding, what: string): Buffer {
  return encoding === 'utf8' ? bytes : decodeText(bytes.toString('utf8'), encoding, what);
}
