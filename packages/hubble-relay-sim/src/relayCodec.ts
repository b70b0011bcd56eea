import {
  decodeHubbleMessage,
  encodeHubbleMessage,
} from '@cilium-zero-trust/plugin-cilium-node';
import type {
  GetFlowsRequestJson,
  GetFlowsResponseJson,
  GetNodesResponseJson,
  ServerStatusResponseJson,
} from '@cilium-zero-trust/plugin-cilium-node';

/**
 * The server side of the observer messages: what Relay decodes (requests) and
 * encodes (responses). Only the stand-in needs these; the client's side is in
 * the node library.
 */

/** @public */
export function decodeGetFlowsRequest(bytes: Uint8Array): GetFlowsRequestJson {
  return decodeHubbleMessage(
    'observer.GetFlowsRequest',
    bytes,
  ) as GetFlowsRequestJson;
}

/** @public */
export function encodeGetFlowsResponse(json: GetFlowsResponseJson): Buffer {
  return encodeHubbleMessage('observer.GetFlowsResponse', json);
}

/** @public */
export function encodeServerStatusResponse(
  json: ServerStatusResponseJson,
): Buffer {
  return encodeHubbleMessage('observer.ServerStatusResponse', json);
}

/** @public */
export function encodeGetNodesResponse(json: GetNodesResponseJson): Buffer {
  return encodeHubbleMessage('observer.GetNodesResponse', json);
}
