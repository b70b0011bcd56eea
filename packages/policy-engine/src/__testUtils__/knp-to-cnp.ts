/**
 * Test-only: rewrites a Kubernetes NetworkPolicy as an equivalent
 * CiliumNetworkPolicy, so every KNP oracle case can be replayed as CNP.
 * Written from the semantics reference (§4, §5, §7, §9), not from Cilium code.
 */

type Obj = Record<string, any>;

function selectorOf(
  podSelector: Obj | undefined | null,
  namespaceSelector: Obj | undefined | null,
): Obj {
  const matchLabels: Obj = { ...(podSelector?.matchLabels ?? {}) };
  const matchExpressions: Obj[] = [...(podSelector?.matchExpressions ?? [])];
  if (namespaceSelector !== undefined && namespaceSelector !== null) {
    const nsLabels = namespaceSelector.matchLabels ?? {};
    const nsExprs = namespaceSelector.matchExpressions ?? [];
    if (Object.keys(nsLabels).length === 0 && nsExprs.length === 0) {
      matchExpressions.push({
        key: 'k8s:io.kubernetes.pod.namespace',
        operator: 'Exists',
      });
    }
    for (const [k, v] of Object.entries(nsLabels))
      matchLabels[`io.cilium.k8s.namespace.labels.${k}`] = v;
    for (const e of nsExprs)
      matchExpressions.push({
        ...e,
        key: `io.cilium.k8s.namespace.labels.${e.key}`,
      });
  }
  const out: Obj = {};
  if (Object.keys(matchLabels).length) out.matchLabels = matchLabels;
  if (matchExpressions.length) out.matchExpressions = matchExpressions;
  return out;
}

function toPorts(ports: Obj[] | undefined): Obj[] | undefined {
  if (!ports || ports.length === 0) return undefined;
  return [
    {
      ports: ports.map(p => ({
        port: p.port === undefined ? '0' : String(p.port),
        protocol: p.protocol ?? 'TCP',
        ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
      })),
    },
  ];
}

function translateRules(rules: Obj[], dir: 'ingress' | 'egress'): Obj[] {
  const from = dir === 'ingress' ? 'from' : 'to';
  const pre = dir === 'ingress' ? 'from' : 'to';
  const out: Obj[] = [];
  for (const r of rules) {
    const tp = toPorts(r.ports);
    const peers: Obj[] = r[from] ?? [];
    const withPorts = (el: Obj) => (tp ? { ...el, toPorts: tp } : el);
    if (peers.length === 0) {
      // KNP: no peers = everyone, including world.
      out.push(withPorts({ [`${pre}Entities`]: ['all'] }));
      continue;
    }
    const endpoints = peers
      .filter(p => !p.ipBlock)
      .map(p => selectorOf(p.podSelector, p.namespaceSelector));
    const cidrs = peers
      .filter(p => p.ipBlock)
      .map(p => ({
        cidr: p.ipBlock.cidr,
        ...(p.ipBlock.except ? { except: p.ipBlock.except } : {}),
      }));
    // CNP cannot mix L3 peer kinds in one element: split them.
    if (endpoints.length)
      out.push(withPorts({ [`${pre}Endpoints`]: endpoints }));
    if (cidrs.length) out.push(withPorts({ [`${pre}CIDRSet`]: cidrs }));
  }
  return out;
}

/** Translates one KNP object into a CNP object (same name and namespace). */
export function knpToCnp(knp: Obj): Obj {
  const spec = knp.spec ?? {};
  const types: string[] = spec.policyTypes ?? [];
  const ingressTyped = types.includes('Ingress') || !types.includes('Egress');
  const egressTyped = types.includes('Egress');
  const rule: Obj = {
    endpointSelector: selectorOf(spec.podSelector ?? {}, undefined),
  };
  for (const dir of ['ingress', 'egress'] as const) {
    const rules: Obj[] = spec[dir] ?? [];
    const typed = dir === 'ingress' ? ingressTyped : egressTyped;
    if (rules.length) rule[dir] = translateRules(rules, dir);
    else if (typed) rule[dir] = [{}]; // default deny, allows nothing
  }
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: {
      name: knp.metadata?.name,
      namespace: knp.metadata?.namespace ?? 'default',
    },
    spec: rule,
  };
}
