/**
 * Cilium entity names, in one place (cilium-policy-semantics §4): the CRD
 * enum, the ones that are graph peers of their own, and the ones a
 * self-service request may name. Browser-safe: no imports.
 */

/**
 * Cilium entities (CRD enum).
 * @public
 */
export const ENTITIES = [
  'all',
  'world',
  'cluster',
  'host',
  'init',
  'ingress',
  'unmanaged',
  'remote-node',
  'health',
  'none',
  'kube-apiserver',
] as const;

/**
 * A Cilium entity name.
 * @public
 */
export type EntityName = (typeof ENTITIES)[number];

/**
 * Entities that are peers of their own in the graph (world is the external IP
 * space; all, cluster and none are sets of other peers).
 * @public
 */
export const PEER_ENTITIES = [
  'host',
  'remote-node',
  'kube-apiserver',
  'health',
  'init',
  'ingress',
  'unmanaged',
] as const satisfies readonly EntityName[];

/**
 * An entity that is a graph peer.
 * @public
 */
export type PeerEntity = (typeof PEER_ENTITIES)[number];

/**
 * Whether a name (e.g. the `host` of Hubble's `reserved:host`) is an entity
 * that is a graph peer of its own.
 * @public
 */
export function isPeerEntity(name: string): name is PeerEntity {
  return (PEER_ENTITIES as readonly string[]).includes(name);
}

/**
 * Cilium entities a self-service request may name; the others are platform
 * decisions (see {@link PLATFORM_ONLY_ENTITIES}) or not peers one can ask for.
 * @public
 */
export const REQUESTABLE_ENTITIES = [
  'kube-apiserver',
  'host',
  'remote-node',
  'health',
  'ingress',
] as const satisfies readonly EntityName[];

/**
 * A Cilium entity a request may name.
 * @public
 */
export type RequestableEntity = (typeof REQUESTABLE_ENTITIES)[number];

/**
 * Entities only the platform team may grant, and why.
 * @public
 */
export const PLATFORM_ONLY_ENTITIES: ReadonlyMap<EntityName, string> = new Map<
  EntityName,
  string
>([
  ['all', 'it allows every peer, inside and outside the cluster'],
  ['world', 'it allows every address outside the cluster'],
  ['cluster', 'it allows every endpoint of the cluster'],
]);
