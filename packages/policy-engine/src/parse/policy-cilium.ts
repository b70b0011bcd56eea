import {
  CidrError,
  IpRange,
  normalizeRanges,
  parseCidr,
  rangeInside,
  subtractRanges,
} from '../model/ip';
import { isDnsName, isDnsPattern } from '../evaluate/fqdn';
import { NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL } from '../model/labels';
import {
  Direction,
  ENTITIES,
  EntityName,
  PeerSpec,
  Policy,
  PolicyKind,
  PolicyRef,
  PolicyRule,
  PortRule,
  RuleElement,
  Section,
  SourcePosition,
} from '../model/policy';
import {
  makeSelector,
  parseSelector,
  Requirement,
  Selector,
  SelectorError,
} from '../selectors/selector';
import { parseIcmps, parseToPorts, Problems } from './ports';

/**
 * Result of parsing one policy object: a policy, or the reasons it is refused.
 *
 * @public
 */
export interface PolicyParseResult {
  policy?: Policy;
  errors: string[];
  warnings: string[];
}

const isNamespaceReq = (r: Requirement) =>
  (r.key.source === 'k8s' || r.key.source === 'any') &&
  r.key.key === POD_NAMESPACE_LABEL;

/**
 * Cilium's namespace defaulting for peer selectors (`getEndpointSelector`):
 * a selector naming the pod namespace, a reserved label or namespace labels is
 * left alone; otherwise CNP peers get `k8s:io.kubernetes.pod.namespace=<ns>`,
 * CCNP peers get `k8s:io.kubernetes.pod.namespace` Exists.
 *
 * @public
 */
export function defaultPeerSelector(
  sel: Selector,
  namespace: string | undefined,
): Selector {
  const reqs = sel.requirements;
  if (reqs.some(isNamespaceReq)) return sel;
  if (reqs.some(r => r.key.source === 'reserved')) return sel;
  if (reqs.some(r => r.key.key.startsWith(NAMESPACE_LABELS_PREFIX))) return sel;
  const add: Requirement = namespace
    ? {
        key: { source: 'k8s', key: POD_NAMESPACE_LABEL },
        operator: 'In',
        values: [namespace],
      }
    : {
        key: { source: 'k8s', key: POD_NAMESPACE_LABEL },
        operator: 'Exists',
        values: [],
      };
  return makeSelector([...reqs, add]);
}

/**
 * Subject defaulting: CNP subjects are always confined to the policy namespace.
 *
 * @public
 */
export function defaultSubjectSelector(
  sel: Selector,
  namespace: string | undefined,
): Selector {
  if (!namespace) return sel;
  const reqs = sel.requirements.filter(r => !isNamespaceReq(r));
  reqs.push({
    key: { source: 'k8s', key: POD_NAMESPACE_LABEL },
    operator: 'In',
    values: [namespace],
  });
  return makeSelector(reqs);
}

type FieldSpec = {
  field: string;
  kind:
    | 'endpoints'
    | 'entities'
    | 'cidr'
    | 'cidrSet'
    | 'nodes'
    | 'groups'
    | 'fqdn'
    | 'services'
    | 'requires';
};

const INGRESS_FIELDS: FieldSpec[] = [
  { field: 'fromEndpoints', kind: 'endpoints' },
  { field: 'fromEntities', kind: 'entities' },
  { field: 'fromCIDR', kind: 'cidr' },
  { field: 'fromCIDRSet', kind: 'cidrSet' },
  { field: 'fromNodes', kind: 'nodes' },
  { field: 'fromGroups', kind: 'groups' },
  { field: 'fromRequires', kind: 'requires' },
];
const EGRESS_FIELDS: FieldSpec[] = [
  { field: 'toEndpoints', kind: 'endpoints' },
  { field: 'toEntities', kind: 'entities' },
  { field: 'toCIDR', kind: 'cidr' },
  { field: 'toCIDRSet', kind: 'cidrSet' },
  { field: 'toNodes', kind: 'nodes' },
  { field: 'toGroups', kind: 'groups' },
  { field: 'toFQDNs', kind: 'fqdn' },
  { field: 'toServices', kind: 'services' },
  { field: 'toRequires', kind: 'requires' },
];

/**
 * The L3 peer fields of a Cilium rule element (ingress and egress, without
 * the `*Requires` fields, which restrict other peers and select nothing).
 */
export const PEER_FIELDS: readonly string[] = [
  ...EGRESS_FIELDS,
  ...INGRESS_FIELDS,
]
  .filter(f => f.kind !== 'requires')
  .map(f => f.field);

/** Normalises a DNS name or pattern: lower case, no trailing dot. */
export function normalizeDnsName(s: string): string {
  return s.trim().toLowerCase().replace(/\.$/, '');
}

function parseCidrWithExcept(
  cidrText: string,
  except: unknown,
  path: string,
  p: Problems,
): PeerSpec | undefined {
  let base: IpRange;
  try {
    base = parseCidr(cidrText);
  } catch (e) {
    p.error(path, (e as CidrError).message);
    return undefined;
  }
  const ex: IpRange[] = [];
  if (except !== undefined && except !== null) {
    if (!Array.isArray(except)) {
      p.error(`${path}.except`, 'must be a list');
      return undefined;
    }
    for (const [i, e] of except.entries()) {
      try {
        const r = parseCidr(String(e));
        if (!rangeInside(r, base))
          p.error(
            `${path}.except[${i}]`,
            `${String(e)} is not contained in ${cidrText}`,
          );
        else ex.push(r);
      } catch (err) {
        p.error(`${path}.except[${i}]`, (err as CidrError).message);
      }
    }
  }
  const ranges = subtractRanges(normalizeRanges([base]), normalizeRanges(ex));
  const text = ex.length
    ? `${cidrText} except ${(except as unknown[]).join(',')}`
    : cidrText;
  return { type: 'cidr', ranges, text };
}

function parsePeerField(
  spec: FieldSpec,
  value: unknown,
  path: string,
  p: Problems,
  ctx: { namespace?: string; kind: PolicyKind; deny: boolean },
): PeerSpec[] {
  const out: PeerSpec[] = [];
  if (!Array.isArray(value)) {
    p.error(path, 'must be a list');
    return out;
  }
  value.forEach((v, i) => {
    const ip = `${path}[${i}]`;
    try {
      switch (spec.kind) {
        case 'endpoints':
          out.push({
            type: 'endpoints',
            selector: defaultPeerSelector(parseSelector(v), ctx.namespace),
          });
          break;
        case 'entities': {
          const e = String(v) as EntityName;
          if (!(ENTITIES as readonly string[]).includes(e))
            p.error(ip, `unknown entity "${String(v)}"`);
          else out.push({ type: 'entities', entities: [e] });
          break;
        }
        case 'cidr': {
          const peer = parseCidrWithExcept(String(v), undefined, ip, p);
          if (peer) out.push(peer);
          break;
        }
        case 'cidrSet': {
          const o = (v ?? {}) as Record<string, unknown>;
          const n = ['cidr', 'cidrGroupRef', 'cidrGroupSelector'].filter(
            k => o[k] !== undefined,
          ).length;
          if (n !== 1) {
            p.error(
              ip,
              'needs exactly one of cidr, cidrGroupRef, cidrGroupSelector',
            );
            break;
          }
          if (o.cidr !== undefined) {
            const peer = parseCidrWithExcept(String(o.cidr), o.except, ip, p);
            if (peer) out.push(peer);
          } else {
            const except: IpRange[] = [];
            if (Array.isArray(o.except)) {
              for (const e of o.except) {
                try {
                  except.push(parseCidr(String(e)));
                } catch (err) {
                  p.error(`${ip}.except`, (err as CidrError).message);
                }
              }
            }
            if (o.cidrGroupRef !== undefined)
              out.push({
                type: 'cidrGroup',
                ref: String(o.cidrGroupRef),
                except,
              });
            else
              out.push({
                type: 'cidrGroup',
                selector: parseSelector(o.cidrGroupSelector),
                except,
              });
          }
          break;
        }
        case 'nodes':
          out.push({ type: 'nodes', selector: parseSelector(v) });
          break;
        case 'groups':
          out.push({
            type: 'unsupported',
            field: spec.field,
            reason:
              'cloud provider groups are resolved by the operator; not modelled',
          });
          p.warn(ip, `${spec.field} is not modelled (cloud groups); ignored`);
          break;
        case 'fqdn': {
          const o = (v ?? {}) as Record<string, unknown>;
          const hasName = typeof o.matchName === 'string';
          const hasPattern = typeof o.matchPattern === 'string';
          if (hasName === hasPattern) {
            p.error(ip, 'needs exactly one of matchName or matchPattern');
            break;
          }
          if (hasName) {
            const n = String(o.matchName);
            if (!isDnsName(n)) p.error(ip, `invalid matchName "${n}"`);
            else out.push({ type: 'fqdn', matchName: normalizeDnsName(n) });
          } else {
            const n = String(o.matchPattern);
            if (!isDnsPattern(n)) p.error(ip, `invalid matchPattern "${n}"`);
            else out.push({ type: 'fqdn', matchPattern: normalizeDnsName(n) });
          }
          break;
        }
        case 'services': {
          const o = (v ?? {}) as Record<
            string,
            Record<string, unknown> | undefined
          >;
          if (o.k8sService) {
            out.push({
              type: 'service',
              serviceName: String(o.k8sService.serviceName ?? ''),
              namespace: o.k8sService.namespace
                ? String(o.k8sService.namespace)
                : ctx.namespace,
            });
          } else if (o.k8sServiceSelector) {
            out.push({
              type: 'service',
              selector: parseSelector(o.k8sServiceSelector.selector),
              namespace: o.k8sServiceSelector.namespace
                ? String(o.k8sServiceSelector.namespace)
                : ctx.namespace,
            });
          } else p.error(ip, 'needs k8sService or k8sServiceSelector');
          break;
        }
        default:
          break;
      }
    } catch (e) {
      if (e instanceof SelectorError) p.error(ip, e.message);
      else throw e;
    }
  });
  return out;
}

function parseElement(
  raw: unknown,
  ref: Omit<RuleElement['ref'], 'elementIndex'> & { elementIndex: number },
  path: string,
  p: Problems,
  ctx: { namespace?: string; kind: PolicyKind },
): RuleElement | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    p.error(path, 'rule element must be an object');
    return undefined;
  }
  const el = raw as Record<string, unknown>;
  const ingress = ref.direction === 'ingress';
  const deny = ref.deny;
  const fields = ingress ? INGRESS_FIELDS : EGRESS_FIELDS;
  if (deny && el.toFQDNs !== undefined)
    p.error(`${path}.toFQDNs`, 'deny rules cannot use toFQDNs');
  let l3Present = false;
  const nonEmpty: string[] = [];
  const peers: PeerSpec[] = [];
  for (const f of fields) {
    const v = el[f.field];
    if (v === undefined || v === null) continue;
    if (f.kind === 'requires') {
      p.warn(
        `${path}.${f.field}`,
        `${f.field} was removed in Cilium 1.19; ignored`,
      );
      continue;
    }
    l3Present = true;
    if (Array.isArray(v) && v.length > 0) nonEmpty.push(f.field);
    peers.push(
      ...parsePeerField(f, v, `${path}.${f.field}`, p, { ...ctx, deny }),
    );
  }
  if (nonEmpty.length > 1) {
    p.error(path, `combining ${nonEmpty.join(' and ')} is not supported yet`);
  }
  let ports: PortRule[] | 'all' = 'all';
  const hasToPorts = el.toPorts !== undefined && el.toPorts !== null;
  const hasIcmps = el.icmps !== undefined && el.icmps !== null;
  if (hasToPorts && hasIcmps)
    p.error(path, 'icmps cannot be combined with toPorts in the same element');
  if (hasToPorts)
    ports = parseToPorts(el.toPorts, `${path}.toPorts`, p, { ingress, deny });
  else if (hasIcmps) ports = parseIcmps(el.icmps, `${path}.icmps`, p);
  // Peer semantics: L3 field(s) given → those peers (an explicit empty list
  // selects nothing); no L3 field but ports → any peer; neither → nothing.
  let resolvedPeers: PeerSpec[] | 'any';
  if (l3Present) resolvedPeers = peers;
  else if (hasToPorts || hasIcmps) resolvedPeers = 'any';
  else resolvedPeers = [];
  return { ref, peers: resolvedPeers, ports };
}

const SECTIONS: Array<{
  section: Section;
  direction: Direction;
  deny: boolean;
}> = [
  { section: 'ingress', direction: 'ingress', deny: false },
  { section: 'ingressDeny', direction: 'ingress', deny: true },
  { section: 'egress', direction: 'egress', deny: false },
  { section: 'egressDeny', direction: 'egress', deny: true },
];

/**
 * Parses and sanitises a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy
 * object. Like the Cilium agent, one bad rule refuses the whole object.
 *
 * @public
 */
export function parseCiliumPolicy(
  obj: Record<string, unknown>,
  kind: 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy',
  position?: SourcePosition,
): PolicyParseResult {
  const p = new Problems();
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (!name) p.error('metadata.name', 'missing');
  const namespace =
    kind === 'CiliumNetworkPolicy'
      ? (typeof meta.namespace === 'string' && meta.namespace) || 'default'
      : undefined;
  const ref: PolicyRef = {
    kind,
    name,
    ...(namespace ? { namespace } : {}),
    ...(position?.file ? { file: position.file } : {}),
  };
  const rawRules: Array<{ raw: unknown; path: string }> = [];
  if (obj.spec !== undefined && obj.spec !== null)
    rawRules.push({ raw: obj.spec, path: 'spec' });
  if (obj.specs !== undefined && obj.specs !== null) {
    if (!Array.isArray(obj.specs)) p.error('specs', 'must be a list');
    else
      obj.specs.forEach((s, i) =>
        rawRules.push({ raw: s, path: `specs[${i}]` }),
      );
  }
  if (!rawRules.length) p.error('spec', 'one of spec or specs is required');
  const rules: PolicyRule[] = [];
  rawRules.forEach(({ raw, path }, ruleIndex) => {
    if (!raw || typeof raw !== 'object') {
      p.error(path, 'rule must be an object');
      return;
    }
    const r = raw as Record<string, unknown>;
    const hasEp =
      r.endpointSelector !== undefined && r.endpointSelector !== null;
    const hasNode = r.nodeSelector !== undefined && r.nodeSelector !== null;
    if (hasEp === hasNode) {
      p.error(
        path,
        hasEp
          ? 'rule cannot have both EndpointSelector and NodeSelector'
          : 'rule must have one of EndpointSelector or NodeSelector',
      );
      return;
    }
    if (hasNode && kind === 'CiliumNetworkPolicy') {
      p.error(`${path}.nodeSelector`, 'rule cannot have NodeSelector');
      return;
    }
    if (
      !SECTIONS.some(s => r[s.section] !== undefined && r[s.section] !== null)
    ) {
      p.error(
        path,
        'rule must have at least one of Ingress, IngressDeny, Egress, EgressDeny',
      );
    }
    const rule: PolicyRule = {
      policy: ref,
      ruleIndex,
      sections: {},
      defaultDeny: { ingress: false, egress: false },
      ...(typeof r.description === 'string'
        ? { description: r.description }
        : {}),
    };
    try {
      if (hasEp)
        rule.subject = defaultSubjectSelector(
          parseSelector(r.endpointSelector),
          namespace,
        );
      else rule.nodeSelector = parseSelector(r.nodeSelector);
    } catch (e) {
      if (e instanceof SelectorError)
        p.error(
          `${path}.${hasEp ? 'endpointSelector' : 'nodeSelector'}`,
          e.message,
        );
      else throw e;
    }
    for (const s of SECTIONS) {
      const list = r[s.section];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        p.error(`${path}.${s.section}`, 'must be a list');
        continue;
      }
      const els: RuleElement[] = [];
      list.forEach((item, i) => {
        const el = parseElement(
          item,
          {
            ...ref,
            ruleIndex,
            section: s.section,
            elementIndex: i,
            direction: s.direction,
            deny: s.deny,
          },
          `${path}.${s.section}[${i}]`,
          p,
          { namespace, kind },
        );
        if (el) els.push(el);
      });
      rule.sections[s.section] = els;
    }
    const edd = (r.enableDefaultDeny ?? {}) as Record<string, unknown>;
    for (const dir of ['ingress', 'egress'] as const) {
      const n = (r[dir] as unknown[] | undefined)?.length ?? 0;
      const nd = (r[`${dir}Deny`] as unknown[] | undefined)?.length ?? 0;
      const flag = edd[dir];
      rule.defaultDeny[dir] = n + nd > 0 && flag !== false;
    }
    if (hasNode) {
      for (const els of Object.values(rule.sections)) {
        for (const el of els ?? []) {
          if (
            el.ports !== 'all' &&
            el.ports.some(
              x =>
                x.l7 && (x.l7.type !== 'dns' || el.ref.direction === 'ingress'),
            )
          ) {
            p.error(path, 'host policies may only use DNS L7 rules, on egress');
          }
        }
      }
    }
    rules.push(rule);
  });
  if (p.errors.length) return { errors: p.errors, warnings: p.warnings };
  return {
    policy: {
      ref,
      rules,
      warnings: p.warnings,
      raw: obj,
      ...(position ? { position } : {}),
    },
    errors: [],
    warnings: p.warnings,
  };
}
