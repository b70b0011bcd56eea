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
} from './leanFlowDecoder';
export type { LeanResponse } from './leanFlowDecoder';
export { flowToJson, getFlowsResponseToJson } from './flowToJson';
export {
  decodeGetNodesResponse,
  decodeHubbleMessage,
  decodeServerStatusResponse,
  EMPTY_MESSAGE,
  encodeGetFlowsRequest,
  encodeHubbleMessage,
} from './hubbleCodec';
export { hubbleProtoDir, hubbleProtoRoot, hubbleType } from './protoRoot';
export {
  decodeToProtoJson,
  encodeProtoJson,
  formatTimestamp,
  messageToProtoJson,
  parseTimestamp,
  protoJsonToObject,
} from './protojson';
export type { ProtoJson } from './protojson';
export type * from './types';
