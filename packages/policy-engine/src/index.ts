/**
 * Cilium and Kubernetes network policy connectivity engine.
 *
 * Pure TypeScript: parse policies and workloads (YAML text → objects), resolve
 * them the way Cilium does, and answer who may talk to whom, on which port,
 * because of which rule. The only I/O helpers are {@link loadDirectory} and
 * the `cilium-connect` CLI.
 *
 * @packageDocumentation
 */

export {
  ConnSet,
  parseConnString,
  PROTOCOLS,
  PORT_PROTOCOLS,
} from './model/connset';
export type { Protocol } from './model/connset';
export * from './model/policy';
export type {
  Inventory,
  Workload,
  WorkloadKind,
  Namespace,
  Service,
  CidrGroup,
  ContainerPort,
  Diagnostic,
} from './model/inventory';
export { parseLabelKey, lookupLabel, LABEL_SOURCES } from './model/labels';
export type { LabelKey, LabelSource, EndpointLabels } from './model/labels';
export { formatRange, parseRangeText } from './model/ip';
export {
  codePointName,
  controlCharacterProblem,
  findControlCharacter,
  isControlCharacter,
  plainLines,
  singleLine,
} from './model/text';
export type { ControlCharacterFound } from './model/text';

export { parseYamlText } from './parse/yaml';
export type { SourceDocument, ParsedText } from './parse/yaml';
export { InventoryBuilder, parseInventory } from './parse/inventory';
export {
  parseCiliumPolicy,
  defaultPeerSelector,
  defaultSubjectSelector,
} from './parse/policy-cilium';
export type { PolicyParseResult } from './parse/policy-cilium';
export { parseKubernetesPolicy } from './parse/policy-knp';

export {
  parseSelector,
  selectorMatches,
  makeSelector,
  formatSelector,
} from './selectors/selector';
export type {
  Selector,
  Requirement,
  SelectorOperator,
} from './selectors/selector';
export { LabelIndex } from './selectors/label-index';
export { SelectorCache } from './selectors/selector-cache';
export type {
  CachedSelection,
  WorkloadLabels,
} from './selectors/selector-cache';
export * from './rules';

export { PolicyEngine } from './evaluate/engine';
export type {
  EngineOptions,
  PeerQuery,
  FlowVerdict,
  SideDecision,
  WorkloadView,
  WorkloadViewOptions,
  CoverageEntry,
  DirectionProfile,
  PolicyChanges,
} from './evaluate/engine';
export type { Edge, Graph, Grant, Peer, SideResult } from './evaluate/types';
export type { ResolvedElement } from './evaluate/resolve';
export type { DnsPattern } from './evaluate/fqdn';
export { diffGraphs, diffEngines } from './evaluate/diff';
export { applyPolicyFileChanges } from './evaluate/file-changes';
export type {
  PolicyFileUpdate,
  PolicySourceFile,
} from './evaluate/file-changes';
export type { DiffEntry } from './evaluate/diff';
export { lint } from './lint/lint';
export type { LintFinding, LintOptions } from './lint/lint';

export {
  formatConnlist,
  formatConnlistChunks,
  connLines,
  parseConnlistText,
} from './output/connlist';
export type { ListFormat, ConnLine } from './output/connlist';
export { formatDiff, formatDiffChunks } from './output/diff';
export type { DiffFormat } from './output/diff';

export {
  loadDirectory,
  loadDirectoryAsync,
  listManifestFiles,
} from './load/load-directory';
export type { LoadDirectoryOptions } from './load/load-directory';
export * from './generate';
