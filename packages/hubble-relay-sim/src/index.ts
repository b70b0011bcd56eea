/**
 * Hubble Relay stand-in: a real gRPC observer.Observer server with synthetic
 * traffic (verdicts from the policy engine) and capture replay.
 *
 * @packageDocumentation
 */
export { HubbleRelaySim, OBSERVER_SERVICE } from './server';
export type {
  HubbleRelaySimOptions,
  RelaySimTlsOptions,
  SimEvent,
  BenchPool,
} from './server';
export { compileFlowFilters, FilterError } from './filters';
export { Timeline, timelineTime, timelineUuid } from './timeline';
export type { FlowGenerator, TimelineOptions } from './timeline';
export { ReplayGenerator, readCaptures, listCaptureFiles } from './replay';
export type { ReplayOptions } from './replay';
export { loadCatalogEntities, catalogEntityRef } from './catalog';
export { seededRandom } from './random';
export {
  decodeGetFlowsRequest,
  encodeGetFlowsResponse,
  encodeGetNodesResponse,
  encodeServerStatusResponse,
} from './relayCodec';
