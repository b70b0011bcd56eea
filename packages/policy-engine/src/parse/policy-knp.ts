import {
  CidrError,
  IpRange,
  normalizeRanges,
  parseCidr,
  rangeInside,
  subtractRanges,
} from '../model/ip';
import { NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL } from '../model/labels';
import {
  PeerSpec,
  PolicyRef,
  PolicyRule,
  PortRule,
  RuleElement,
  SourcePosition,
} from '../model/policy';
import {
  makeSelector,
  parseSelector,
  Requirement,
  SelectorError,
} from '../selectors/selector';
import type { PolicyParseResult } from './policy-cilium';
import { parsePortEntry, portRuleOf, Problems } from './ports';

function k8sKey(k: string): string {
  return `k8s:${k}`;
}

function parsePeer(
  raw: unknown,
  namespace: string,
  path: string,
  p: Problems,
): PeerSpec | undefined {
  if (!raw || typeof raw !== 'object') {
    p.error(path, 'peer must be an object');
    return undefined;
  }
  const peer = raw as Record<string, unknown>;
  if (peer.ipBlock !== undefined && peer.ipBlock !== null) {
    if (
      peer.podSelector !== undefined ||
      peer.namespaceSelector !== undefined
    ) {
      p.error(
        path,
        'ipBlock cannot be combined with podSelector or namespaceSelector',
      );
    }
    const ib = peer.ipBlock as Record<string, unknown>;
    let base: IpRange;
    try {
      base = parseCidr(String(ib.cidr ?? ''));
    } catch (e) {
      p.error(`${path}.ipBlock.cidr`, (e as CidrError).message);
      return undefined;
    }
    const ex: IpRange[] = [];
    for (const [i, e] of (Array.isArray(ib.except)
      ? ib.except
      : []
    ).entries()) {
      try {
        const r = parseCidr(String(e));
        if (!rangeInside(r, base))
          p.error(
            `${path}.ipBlock.except[${i}]`,
            `${String(e)} is not contained in ${String(ib.cidr)}`,
          );
        else ex.push(r);
      } catch (err) {
        p.error(`${path}.ipBlock.except[${i}]`, (err as CidrError).message);
      }
    }
    const text = ex.length
      ? `${String(ib.cidr)} except ${(ib.except as unknown[]).join(',')}`
      : String(ib.cidr);
    return {
      type: 'cidr',
      ranges: subtractRanges(normalizeRanges([base]), normalizeRanges(ex)),
      text,
    };
  }
  try {
    const pod = parseSelector(peer.podSelector, k8sKey);
    const reqs: Requirement[] = [...pod.requirements];
    if (
      peer.namespaceSelector !== undefined &&
      peer.namespaceSelector !== null
    ) {
      const ns = parseSelector(
        peer.namespaceSelector,
        k => `k8s:${NAMESPACE_LABELS_PREFIX}${k}`,
      );
      if (ns.requirements.length === 0) {
        reqs.push({
          key: { source: 'k8s', key: POD_NAMESPACE_LABEL },
          operator: 'Exists',
          values: [],
        });
      } else reqs.push(...ns.requirements);
    } else {
      reqs.push({
        key: { source: 'k8s', key: POD_NAMESPACE_LABEL },
        operator: 'In',
        values: [namespace],
      });
    }
    return { type: 'endpoints', selector: makeSelector(reqs) };
  } catch (e) {
    if (e instanceof SelectorError) {
      p.error(path, e.message);
      return undefined;
    }
    throw e;
  }
}

function parseKnpPorts(
  raw: unknown,
  path: string,
  p: Problems,
): PortRule[] | 'all' {
  if (raw === undefined || raw === null) return 'all';
  if (!Array.isArray(raw)) {
    p.error(path, 'ports must be a list');
    return [];
  }
  if (raw.length === 0) return 'all';
  const out: PortRule[] = [];
  raw.forEach((pp: Record<string, unknown>, i) => {
    const pth = `${path}[${i}]`;
    const entry = parsePortEntry(pp, pth, p, 'kubernetes');
    if (!entry) return;
    const rule = portRuleOf(entry);
    out.push(rule);
  });
  return out;
}

/**
 * Translates a Kubernetes NetworkPolicy the way Cilium does
 * (`pkg/k8s/network_policy.go`): subject = podSelector in the namespace; peers
 * without from/to = everyone (incl. world); an empty ingress entry is added for
 * ingress default deny when the policy has no ingress rules and its
 * policyTypes contain Ingress or do not contain Egress; likewise for Egress
 * when policyTypes contain Egress. All KNP entries are default-deny.
 *
 * @public
 */
export function parseKubernetesPolicy(
  obj: Record<string, unknown>,
  position?: SourcePosition,
): PolicyParseResult {
  const p = new Problems();
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const annotations = (meta.annotations ?? {}) as Record<string, unknown>;
  const name = String(
    annotations['policy.cilium.io/name'] ??
      annotations['io.cilium.name'] ??
      meta.name ??
      '',
  );
  if (!name) p.error('metadata.name', 'missing');
  const namespace =
    (typeof meta.namespace === 'string' && meta.namespace) || 'default';
  const ref: PolicyRef = {
    kind: 'NetworkPolicy',
    namespace,
    name,
    ...(position?.file ? { file: position.file } : {}),
  };
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const rule: PolicyRule = {
    policy: ref,
    ruleIndex: 0,
    sections: {},
    defaultDeny: { ingress: false, egress: false },
  };
  try {
    const sel = parseSelector(spec.podSelector, k8sKey);
    rule.subject = makeSelector([
      ...sel.requirements,
      {
        key: { source: 'k8s', key: POD_NAMESPACE_LABEL },
        operator: 'In',
        values: [namespace],
      },
    ]);
  } catch (e) {
    if (e instanceof SelectorError) p.error('spec.podSelector', e.message);
    else throw e;
  }
  const rawTypes = Array.isArray(spec.policyTypes)
    ? spec.policyTypes.map(String)
    : [];
  for (const t of rawTypes)
    if (t !== 'Ingress' && t !== 'Egress')
      p.error('spec.policyTypes', `invalid policy type ${t}`);
  const hasIngressType = rawTypes.includes('Ingress');
  const hasEgressType = rawTypes.includes('Egress');
  for (const dir of ['ingress', 'egress'] as const) {
    const list = spec[dir];
    const rules = Array.isArray(list) ? list : [];
    if (list !== undefined && list !== null && !Array.isArray(list))
      p.error(`spec.${dir}`, 'must be a list');
    const els: RuleElement[] = [];
    rules.forEach((r: Record<string, unknown>, i) => {
      const path = `spec.${dir}[${i}]`;
      const peersRaw = dir === 'ingress' ? r?.from : r?.to;
      const peerField = dir === 'ingress' ? 'from' : 'to';
      let peers: PeerSpec[] | 'any' = 'any';
      if (Array.isArray(peersRaw) && peersRaw.length > 0) {
        peers = [];
        peersRaw.forEach((pr, j) => {
          const ps = parsePeer(pr, namespace, `${path}.${peerField}[${j}]`, p);
          if (ps) (peers as PeerSpec[]).push(ps);
        });
      }
      els.push({
        ref: {
          ...ref,
          ruleIndex: 0,
          section: dir,
          elementIndex: i,
          direction: dir,
          deny: false,
        },
        peers,
        ports: parseKnpPorts(r?.ports, `${path}.ports`, p),
      });
    });
    const typed =
      dir === 'ingress' ? hasIngressType || !hasEgressType : hasEgressType;
    if (!els.length && typed) {
      els.push({
        ref: {
          ...ref,
          ruleIndex: 0,
          section: dir,
          elementIndex: -1,
          direction: dir,
          deny: false,
        },
        peers: [],
        ports: 'all',
      });
    }
    if (els.length) {
      rule.sections[dir] = els;
      rule.defaultDeny[dir] = true;
    }
  }
  if (p.errors.length) return { errors: p.errors, warnings: p.warnings };
  return {
    policy: {
      ref,
      rules: [rule],
      warnings: p.warnings,
      raw: obj,
      ...(position ? { position } : {}),
    },
    errors: [],
    warnings: p.warnings,
  };
}
