import { hubbleType } from './hubbleSchema';
import { decodeToProtoJson } from './protojson';
import type { FlowJson, GetFlowsResponseJson } from '../types';

/**
 * Full decode of a `flow.Flow` (bytes, as kept by the lean decoder) into the
 * JSON that `hubble observe -o json` prints for the `flow` member: proto field
 * names (`source`, `IP`, `Type`, `node_name`, `drop_reason_desc`, `is_reply`…),
 * enum names, 64-bit integers as strings, RFC 3339 times, defaults omitted.
 * @public
 */
export function flowToJson(flowBytes: Uint8Array): FlowJson {
  return decodeToProtoJson(hubbleType('flow.Flow'), flowBytes) as FlowJson;
}

/**
 * Full decode of one `observer.GetFlowsResponse` into the line
 * `hubble observe -o json` prints for it.
 * @public
 */
export function getFlowsResponseToJson(
  responseBytes: Uint8Array,
): GetFlowsResponseJson {
  return decodeToProtoJson(
    hubbleType('observer.GetFlowsResponse'),
    responseBytes,
  ) as GetFlowsResponseJson;
}
