import { encodeHubbleMessage } from '../protojson/observerMessages';
import type { GetFlowsResponseJson } from '../types';

/**
 * What Relay sends, for tests of the client's decoders. (The Relay stand-in,
 * `@cilium-zero-trust/hubble-relay-sim`, has the full server side.)
 */
export function encodeGetFlowsResponse(json: GetFlowsResponseJson): Buffer {
  return encodeHubbleMessage('observer.GetFlowsResponse', json);
}
