import { hubbleType } from './protoRoot';
import { decodeToProtoJson, encodeProtoJson, ProtoJson } from './protojson';
import type {
  GetFlowsRequestJson,
  GetFlowsResponseJson,
  GetNodesResponseJson,
  ServerStatusResponseJson,
} from './types';

/**
 * Protojson ⇄ wire encoders for the observer messages, used by the client for
 * requests and by the Relay stand-in for responses.
 */

/** @public */
export function encodeGetFlowsResponse(json: GetFlowsResponseJson): Buffer {
  return asBuffer(
    encodeProtoJson(hubbleType('observer.GetFlowsResponse'), json as ProtoJson),
  );
}

/** @public */
export function encodeGetFlowsRequest(json: GetFlowsRequestJson): Buffer {
  return asBuffer(
    encodeProtoJson(hubbleType('observer.GetFlowsRequest'), json as ProtoJson),
  );
}

/** @public */
export function decodeGetFlowsRequest(bytes: Uint8Array): GetFlowsRequestJson {
  return decodeToProtoJson(
    hubbleType('observer.GetFlowsRequest'),
    bytes,
  ) as GetFlowsRequestJson;
}

/** @public */
export function encodeServerStatusResponse(
  json: ServerStatusResponseJson,
): Buffer {
  return asBuffer(
    encodeProtoJson(
      hubbleType('observer.ServerStatusResponse'),
      json as ProtoJson,
    ),
  );
}

/** @public */
export function decodeServerStatusResponse(
  bytes: Uint8Array,
): ServerStatusResponseJson {
  return decodeToProtoJson(
    hubbleType('observer.ServerStatusResponse'),
    bytes,
  ) as ServerStatusResponseJson;
}

/** @public */
export function encodeGetNodesResponse(json: GetNodesResponseJson): Buffer {
  return asBuffer(
    encodeProtoJson(hubbleType('observer.GetNodesResponse'), json as ProtoJson),
  );
}

/** @public */
export function decodeGetNodesResponse(
  bytes: Uint8Array,
): GetNodesResponseJson {
  return decodeToProtoJson(
    hubbleType('observer.GetNodesResponse'),
    bytes,
  ) as GetNodesResponseJson;
}

/** An empty message (ServerStatusRequest, GetNodesRequest). @public */
export const EMPTY_MESSAGE = Buffer.alloc(0);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
