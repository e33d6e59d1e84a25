/**
 * ApiVersions v0 (api key 18). Not part of the 0.8 protocol: brokers have it from 0.10.0 on, and
 * kafka08 sends it only to ask a broker that closed the connection on a 0.8 request whether it
 * still has that request's version at all (Kafka 4.0 dropped them). A 0.8 broker closes the
 * connection on it too ("Wrong request type").
 *
 *   ApiVersionsRequest  => (empty)
 *
 *   ApiVersionsResponse => ErrorCode:int16 ApiVersions
 *     ApiVersions       => [ApiKey:int16 MinVersion:int16 MaxVersion:int16]
 *
 * Brokers answer a v0 request in the v0 layout even when they prefer a newer version (then with
 * error 35 and the ranges they do have), so v0 is the one version every broker can be asked.
 */
import { writeArray } from './codec-util.js';
import type { Reader } from './reader.js';
import { ApiKey, type KafkaRequest } from './request.js';
import type { Writer } from './writer.js';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiVersions: ApiVersionRange[];
}

export function apiVersionsRequest(): KafkaRequest<ApiVersionsResponse> {
  return {
    apiKey: ApiKey.ApiVersions,
    apiVersion: 0,
    expectsResponse: true,
    encodeBody: () => {},
    decodeResponse: decodeApiVersionsResponseBody,
  };
}

export function encodeApiVersionsResponseBody(w: Writer, resp: ApiVersionsResponse): void {
  w.int16(resp.errorCode, 'ApiVersionsResponse.errorCode');
  writeArray(w, resp.apiVersions, 'ApiVersionsResponse.apiVersions', (v) => {
    w.int16(v.apiKey, 'ApiVersionsResponse.apiVersions[].apiKey');
    w.int16(v.minVersion, 'ApiVersionsResponse.apiVersions[].minVersion');
    w.int16(v.maxVersion, 'ApiVersionsResponse.apiVersions[].maxVersion');
  });
}

export function decodeApiVersionsResponseBody(r: Reader): ApiVersionsResponse {
  const errorCode = r.int16('ApiVersionsResponse.errorCode');
  // Each entry is three int16s.
  const apiVersions = r.array('ApiVersionsResponse.apiVersions', 6, (r) => ({
    apiKey: r.int16('ApiVersionsResponse.apiVersions[].apiKey'),
    minVersion: r.int16('ApiVersionsResponse.apiVersions[].minVersion'),
    maxVersion: r.int16('ApiVersionsResponse.apiVersions[].maxVersion'),
  }));
  r.expectEnd('ApiVersionsResponse');
  return { errorCode, apiVersions };
}

/** The range the broker has for `apiKey`, or undefined when it does not list the API at all. */
export function versionRange(resp: ApiVersionsResponse, apiKey: number): ApiVersionRange | undefined {
  return resp.apiVersions.find((v) => v.apiKey === apiKey);
}
