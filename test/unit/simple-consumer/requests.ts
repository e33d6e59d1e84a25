/**
 * Hand-built KafkaRequest objects for connection tests: the connection must not care which API a
 * request is, so these carry a short text body and decode a text answer.
 */
import type { Reader } from '../../../src/protocol/reader.js';
import { ApiKey, type KafkaRequest } from '../../../src/protocol/request.js';
import type { Writer } from '../../../src/protocol/writer.js';

/** Sends `text` as a string body; decodes a response body holding exactly one string. */
export function textRequest(text: string, apiKey: ApiKey = ApiKey.Metadata): KafkaRequest<string> {
  return {
    apiKey,
    apiVersion: 0,
    expectsResponse: true,
    encodeBody: (w: Writer) => {
      w.string(text);
    },
    decodeResponse: (r: Reader) => {
      const s = r.string('TextResponse.text');
      r.expectEnd('TextResponse');
      return s;
    },
  };
}

/** A request the broker does not answer, like Produce with RequiredAcks 0. */
export function fireAndForget(text: string): KafkaRequest<void> {
  return {
    apiKey: ApiKey.Produce,
    apiVersion: 0,
    expectsResponse: false,
    encodeBody: (w: Writer) => {
      w.string(text);
    },
    decodeResponse: () => {
      throw new Error('a request without a response was decoded');
    },
  };
}

/** The body a text response carries. */
export function textBody(text: string): (w: Writer) => void {
  return (w) => {
    w.string(text);
  };
}

/** Reads the text a textRequest carried, from the request body the fake broker parsed. */
export function requestText(body: Buffer): string {
  const len = body.readInt16BE(0);
  return body.toString('utf8', 2, 2 + len);
}
