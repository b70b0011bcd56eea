import type {
  ConnSet,
  Edge,
  Grant,
  Peer,
  PolicyRef,
  RuleRef,
  SideResult,
} from '@cilium-zero-trust/cilium-policy-engine';
import { formatRange } from '@cilium-zero-trust/cilium-policy-engine';
import {
  ConnectivityEdge,
  ConnectivityPeer,
  PolicyRuleRef,
} from '@cilium-zero-trust/plugin-cilium-common';
import { EntityWorkloadIndex } from '../services/EntityWorkloadIndex';

/** How policy files are linked: a template with `{path}`. */
export type PolicyLinker = (path: string | undefined) => string | undefined;

/** `Kind namespace/name` of a policy, for coverage lists. */
export function policyLabel(p: PolicyRef): string {
  return `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
}

function ruleRef(
  rule: RuleRef,
  conn: ConnSet,
  link: PolicyLinker,
): PolicyRuleRef {
  const path =
    rule.file && !rule.file.startsWith('(workloads) ') ? rule.file : undefined;
  return {
    kind: rule.kind,
    namespace: rule.namespace,
    name: rule.name,
    ruleIndex: rule.ruleIndex,
    section: rule.section,
    elementIndex: rule.elementIndex,
    direction: rule.direction,
    deny: rule.deny,
    ports: conn.toString(),
    path,
    url: link(path),
  };
}

function grants(
  list: Grant[] | undefined,
  link: PolicyLinker,
): PolicyRuleRef[] {
  return (list ?? [])
    .filter(g => !g.conn.isEmpty())
    .map(g => ruleRef(g.rule, g.conn, link));
}

/** Maps an engine peer to the catalog where possible. */
export function toPeer(
  peer: Peer,
  cluster: string,
  index: EntityWorkloadIndex,
): ConnectivityPeer {
  switch (peer.type) {
    case 'workload': {
      const w = peer.workload;
      const labels = Object.entries(w.labels).map(([k, v]) => `k8s:${k}=${v}`);
      const entityRef = index.lookupPod(cluster, w.namespace, labels, 0);
      return entityRef
        ? { type: 'entity', id: entityRef, workload: w.id }
        : { type: 'workload', id: w.id };
    }
    case 'external': {
      const text = formatRange({
        family: peer.family,
        start: peer.start,
        end: peer.end,
      });
      const [start, end] = text.split('-');
      const entityRef = end ? index.lookupRange(start, end) : undefined;
      return entityRef
        ? { type: 'entity', id: entityRef, workload: text }
        : { type: 'external', id: text };
    }
    case 'fqdn': {
      const entityRef = index.lookupExternal([peer.pattern], '');
      return entityRef
        ? { type: 'entity', id: entityRef, workload: peer.pattern }
        : { type: 'fqdn', id: peer.pattern };
    }
    default:
      return { type: 'cilium-entity', id: peer.entity };
  }
}

function defaultAllow(
  side: SideResult | undefined,
  label: string,
): string | undefined {
  if (!side?.defaultAllow) return undefined;
  return side.defaultAllow === 'not-isolated'
    ? `${label}: not isolated (no policy selects it for ${side.direction})`
    : `${label}: ${side.defaultAllow}`;
}

/** Turns one engine edge into the API's edge, seen from one of the entity's workloads. */
export function toApiEdge(
  edge: Edge,
  direction: 'ingress' | 'egress',
  workload: string,
  cluster: string,
  index: EntityWorkloadIndex,
  link: PolicyLinker,
): ConnectivityEdge {
  const peer = toPeer(
    direction === 'egress' ? edge.dst : edge.src,
    cluster,
    index,
  );
  const l7: ConnectivityEdge['l7'] = [];
  for (const side of [edge.egress, edge.ingress]) {
    for (const g of side?.allowedBy ?? []) {
      for (const x of g.l7 ?? []) {
        l7.push({
          rule: ruleRef(g.rule, x.conn, link),
          type: x.rules.type,
          rules: x.rules.rules,
        });
      }
    }
  }
  const defaults = [
    defaultAllow(edge.egress, 'egress'),
    defaultAllow(edge.ingress, 'ingress'),
  ].filter((d): d is string => Boolean(d));
  return {
    direction,
    workload,
    peer,
    ports: edge.conn.toString(),
    deniedPorts: edge.denied.isEmpty() ? undefined : edge.denied.toString(),
    egressAllowedBy: grants(edge.egress?.allowedBy, link),
    ingressAllowedBy: grants(edge.ingress?.allowedBy, link),
    deniedBy: [
      ...grants(edge.egress?.deniedBy, link),
      ...grants(edge.ingress?.deniedBy, link),
    ],
    defaultAllow: defaults.length ? defaults : undefined,
    l7,
  };
}
