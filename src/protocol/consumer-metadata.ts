/**
 * ConsumerMetadata v0 (api key 10, 0.8.2 only; later GroupCoordinator / FindCoordinator).
 *
 *   ConsumerMetadataRequest  => ConsumerGroup:string
 *
 *   ConsumerMetadataResponse => ErrorCode:int16 CoordinatorId:int32 CoordinatorHost:string
 *                               CoordinatorPort:int32
 *
 * The layout is fixed: on error the broker still writes a dummy coordinator (-1, "", -1).
 * Error 15 is normal while `__consumer_offsets` is being created. Framing quirk for the
 * connection: when the 0.8.2 broker hits an uncaught exception here it answers with
 * correlation id 0 instead of the request's.
 */
import { writeRequiredString } from './codec-util.js';
import type { Reader } from './reader.js';
import { ApiKey, type KafkaRequest } from './request.js';
import type { Writer } from './writer.js';

export interface ConsumerMetadataRequest {
  consumerGroup: string;
}

export interface ConsumerMetadataResponse {
  errorCode: number;
  coordinatorId: number;
  coordinatorHost: string;
  coordinatorPort: number;
}

export function consumerMetadataRequest(
  req: ConsumerMetadataRequest,
): KafkaRequest<ConsumerMetadataResponse> {
  return {
    apiKey: ApiKey.ConsumerMetadata,
    apiVersion: 0,
    expectsResponse: true,
    encodeBody: (w) => encodeConsumerMetadataRequestBody(w, req),
    decodeResponse: decodeConsumerMetadataResponseBody,
  };
}

export function encodeConsumerMetadataRequestBody(w: Writer, req: ConsumerMetadataRequest): void {
  writeRequiredString(w, req.consumerGroup, 'ConsumerMetadataRequest.consumerGroup');
}

export function decodeConsumerMetadataRequestBody(r: Reader): ConsumerMetadataRequest {
  const consumerGroup = r.string('ConsumerMetadataRequest.consumerGroup');
  r.expectEnd('ConsumerMetadataRequest');
  return { consumerGroup };
}

export function encodeConsumerMetadataResponseBody(w: Writer, resp: ConsumerMetadataResponse): void {
  w.int16(resp.errorCode, 'ConsumerMetadataResponse.errorCode');
  w.int32(resp.coordinatorId, 'ConsumerMetadataResponse.coordinatorId');
  writeRequiredString(w, resp.coordinatorHost, 'ConsumerMetadataResponse.coordinatorHost');
  w.int32(resp.coordinatorPort, 'ConsumerMetadataResponse.coordinatorPort');
}

export function decodeConsumerMetadataResponseBody(r: Reader): ConsumerMetadataResponse {
  const resp = {
    errorCode: r.int16('ConsumerMetadataResponse.errorCode'),
    coordinatorId: r.int32('ConsumerMetadataResponse.coordinatorId'),
    coordinatorHost: r.string('ConsumerMetadataResponse.coordinatorHost'),
    coordinatorPort: r.int32('ConsumerMetadataResponse.coordinatorPort'),
  };
  r.expectEnd('ConsumerMetadataResponse');
  return resp;
}
