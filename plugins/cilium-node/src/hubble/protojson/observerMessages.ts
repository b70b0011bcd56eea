import { hubbleType } from './hubbleSchema';
import { decodeToProtoJson, encodeProtoJson, ProtoJson } from './protojson';
import type {
  GetFlowsRequestJson,
  GetNodesResponseJson,
  ServerStatusResponseJson,
} from '../types';

/**
 * Protojson ⇄ wire for the observer messages the client sends and the unary
 * answers it reads. (Flows are read by `ingest/decodeFlowFast.ts`; the server
 * side of these messages lives in the Relay stand-in.)
 */

/**
 * Encodes a protojson object as the Hubble message `typeName` (e.g.
 * `observer.GetFlowsResponse`), as a Buffer grpc-js can send.
 * @public
 */
export function encodeHubbleMessage(typeName: string, json: unknown): Buffer {
  const bytes = encodeProtoJson(hubbleType(typeName), json as ProtoJson);
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes the Hubble message `typeName` into protojson.
 * @public
 */
export function decodeHubbleMessage(
  typeName: string,
  bytes: Uint8Array,
): ProtoJson {
  return decodeToProtoJson(hubbleType(typeName), bytes);
}

/** @public */
export function encodeGetFlowsRequest(json: GetFlowsRequestJson): Buffer {
  return encodeHubbleMessage('observer.GetFlowsRequest', json);
}

/** @public */
export function decodeServerStatusResponse(
  bytes: Uint8Array,
): ServerStatusResponseJson {
  return decodeHubbleMessage(
    'observer.ServerStatusResponse',
    bytes,
  ) as ServerStatusResponseJson;
}

/** @public */
export function decodeGetNodesResponse(
  bytes: Uint8Array,
): GetNodesResponseJson {
  return decodeHubbleMessage(
    'observer.GetNodesResponse',
    bytes,
  ) as GetNodesResponseJson;
}

/** An empty message (ServerStatusRequest, GetNodesRequest). @public */
export const EMPTY_MESSAGE = Buffer.alloc(0);
