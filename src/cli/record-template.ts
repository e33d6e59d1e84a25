import { UsageError } from './usage.js';

/** One piece of a kcat-style output template. */
export type TemplatePart =
  | { kind: 'text'; bytes: string }
  | { kind: 'topic' | 'partition' | 'offset' | 'key' | 'keyLength' | 'value' | 'valueLength' };

const TOKENS: Record<string, Exclude<TemplatePart['kind'], 'text'>> = {
  t: 'topic',
  p: 'partition',
  o: 'offset',
  k: 'key',
  K: 'keyLength',
  s: 'value',
  S: 'valueLength',
};
/** kcat tokens that need what Kafka 0.8 messages do not carry. */
const NOT_IN_08: Record<string, string> = {
  T: 'timestamps',
  h: 'headers',
  R: 'binary lengths',
  e: 'error strings',
};
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\' };

/** Text as its UTF-8 bytes, one char each, the way a template's output is kept (latin1). */
const asBytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/**
 * Parses kcat's `-f` template: `%t %p %o %k %K %s %S`, `%%`, and the escapes `\n \r \t \\`.
 * Unknown tokens are a usage error, so a typo is not printed literally on every line.
 */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  const flush = (): void => {
    if (text.length > 0) parts.push({ kind: 'text', bytes: asBytes(text) });
    text = '';
  };
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const next = template[i + 1];
    if (c === '\\' && next !== undefined && ESCAPES[next] !== undefined) {
      text += ESCAPES[next];
      i++;
    } else if (c === '%') {
      if (next === '%') {
        text += '%';
      } else if (next !== undefined && TOKENS[next] !== undefined) {
        flush();
        parts.push({ kind: TOKENS[next] });
      } else if (next !== undefined && NOT_IN_08[next] !== undefined) {
        throw new UsageError(`--format %${next}: Kafka 0.8 messages have no ${NOT_IN_08[next]}`);
      } else {
        throw new UsageError(`--format: unknown token %${next ?? ''} (known: %t %p %o %k %K %s %S %%)`);
      }
      i++;
    } else {
      text += c;
    }
  }
  flush();
  return parts;
}

/** One record through a template, as a byte string (latin1: one char per byte). */
export function renderTemplate(
  parts: readonly TemplatePart[],
  topic: string,
  partition: number,
  offset: bigint,
  key: Buffer | null,
  value: Buffer | null,
): string {
  let out = '';
  for (const p of parts) {
    switch (p.kind) {
      case 'text':
        out += p.bytes;
        break;
      case 'topic':
        out += topic;
        break;
      case 'partition':
        out += partition;
        break;
      case 'offset':
        out += offset;
        break;
      case 'key':
        if (key !== null) out += key.toString('latin1');
        break;
      case 'keyLength':
        out += key === null ? -1 : key.length;
        break;
      case 'value':
        if (value !== null) out += value.toString('latin1');
        break;
      case 'valueLength':
        out += value === null ? -1 : value.length;
        break;
    }
  }
  return out;
}
