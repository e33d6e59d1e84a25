import { UsageError } from './usage.js';

export const ENCODINGS = ['utf8', 'base64', 'hex'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** Text from input back to bytes; base64/hex are checked strictly, so a typo is not sent silently. */
export function decodeText(text: string, encoding: Encoding, what: string): Buffer {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  const ok =
    encoding === 'hex'
      ? /^(?:[0-9a-fA-F]{2})*$/.test(text)
      : /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
  if (!ok) throw new UsageError(`${what} is not valid ${encoding}: ${JSON.stringify(text.slice(0, 60))}`);
  return Buffer.from(text, encoding);
}
