export {
  HubbleRelayClient,
  systemClock,
  DEFAULT_HUBBLE_CHANNEL_OPTIONS,
} from './HubbleRelayClient';
export type {
  HubbleClock,
  HubbleLogger,
  HubbleRelayClientOptions,
} from './HubbleRelayClient';
export { FlowStream } from './FlowStream';
export type {
  FlowGap,
  FlowStreamConnectedEvent,
  FlowStreamDisconnectedEvent,
  FlowStreamError,
  FlowStreamRequest,
  FlowStreamStatus,
} from './FlowStream';
export { backoffDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export { createHubbleCredentials, parseHubbleAddress } from './tls';
export type { HubbleAddress, HubbleTlsOptions } from './tls';
export {
  decodeFlowLean,
  decodeGetFlowsResponseLean,
  WireFormatError,
} from './ingest/decodeFlowFast';
export type { LeanResponse } from './ingest/decodeFlowFast';
export { flowToJson, getFlowsResponseToJson } from './protojson/flowToJson';
export {
  decodeGetNodesResponse,
  decodeHubbleMessage,
  decodeServerStatusResponse,
  EMPTY_MESSAGE,
  encodeGetFlowsRequest,
  encodeHubbleMessage,
} from './protojson/observerMessages';
export {
  hubbleProtoDir,
  hubbleProtoRoot,
  hubbleType,
} from './protojson/hubbleSchema';
export {
  decodeToProtoJson,
  encodeProtoJson,
  formatTimestamp,
  messageToProtoJson,
  parseTimestamp,
  protoJsonToObject,
} from './protojson/protojson';
export type { ProtoJson } from './protojson/protojson';
export type * from './types';
