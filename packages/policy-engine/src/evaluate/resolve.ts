import { ConnSet } from '../model/connset';
import type { CidrGroup, ContainerPort, Service } from '../model/inventory';
import {
  fullRange,
  IpRange,
  normalizeRanges,
  subtractRanges,
} from '../model/ip';
import { EndpointLabels, POD_NAMESPACE_LABEL } from '../model/labels';
import {
  PEER_ENTITIES,
  PeerEntity,
  PeerSpec,
  RuleElement,
} from '../model/policy';
import type {
  CachedSelection,
  SelectorCache,
} from '../selectors/selector-cache';
import {
  makeSelector,
  parseSelector,
  Selector,
  selectorMatches,
} from '../selectors/selector';
import { compileDnsPattern } from './fqdn';
import type { DnsPattern } from './fqdn';
import { isNamed, l7Of, portsConn } from './ports';
import type { L7Rules } from '../model/policy';

/**
 * A rule element with its peers resolved against the workload universe.
 *
 * @public
 */
export interface ResolvedElement {
  el: RuleElement;
  /** Every peer (wildcard or entity `all`). */
  anyPeer: boolean;
  /** Every workload (entity `cluster`). */
  allWorkloads: boolean;
  /** The selections of the element's endpoint selectors (distinct). */
  peerSelections: CachedSelection[];
  /** Endpoint selectors (for ad-hoc endpoints that are not in the index). */
  selectors: Selector[];
  entities: ReadonlySet<PeerEntity>;
  /** External address ranges (normalised). */
  ext: IpRange[];
  /** The ranges as written (un-merged), used to cut the external space into peers. */
  rawExt: IpRange[];
  /** Covers every external address (world, all, 0.0.0.0/0 + ::/0). */
  extAll: boolean;
  fqdns: Array<{ text: string; re: DnsPattern }>;
  /** DNS L7 patterns this element installs (egress allow with `rules.dns`). */
  dns: DnsPattern[];
  /** Constant connection set, when the element has no named ports. */
  constConn?: ConnSet;
  constL7?: Array<{ conn: ConnSet; rules: L7Rules }>;
  /** Entities referenced (for the peer universe). */
  referencedEntities: ReadonlySet<PeerEntity>;
}

/** Context for resolution. */
export interface ResolveContext {
  cache: SelectorCache;
  /** The entities (reserved labels) a selection's selector matches. */
  entitiesOf: (selection: CachedSelection) => readonly PeerEntity[];
  services: readonly Service[];
  cidrGroups: readonly CidrGroup[];
  hasV6: boolean;
  warn: (msg: string) => void;
}

function k8sLabels(labels: Record<string, string>): EndpointLabels {
  return new Map(Object.entries(labels).map(([k, v]) => [`k8s:${k}`, v]));
}

function worldRanges(): IpRange[] {
  return [fullRange(4), fullRange(6)];
}

const NO_ENTITIES: ReadonlySet<PeerEntity> = new Set();

/** Resolves one element. */
export function resolveElement(
  el: RuleElement,
  ctx: ResolveContext,
): ResolvedElement {
  const re: ResolvedElement = {
    el,
    anyPeer: el.peers === 'any',
    allWorkloads: false,
    peerSelections: [],
    selectors: [],
    entities: NO_ENTITIES,
    ext: [],
    rawExt: [],
    extAll: false,
    fqdns: [],
    dns: [],
    referencedEntities: NO_ENTITIES,
  };
  // created on first use: most elements name no entity
  let entitySet: Set<PeerEntity> | undefined;
  let referencedSet: Set<PeerEntity> | undefined;
  const entities = {
    add(e: PeerEntity) {
      if (!entitySet) entitySet = new Set();
      entitySet.add(e);
    },
  };
  const referencedEntities = {
    add(e: PeerEntity) {
      if (!referencedSet) referencedSet = new Set();
      referencedSet.add(e);
    },
  };
  const ext: IpRange[] = [];
  const addSelector = (sel: Selector) => {
    re.selectors.push(sel);
    const selection = ctx.cache.get(sel);
    if (!re.peerSelections.includes(selection))
      re.peerSelections.push(selection);
    for (const e of ctx.entitiesOf(selection)) {
      entities.add(e);
      referencedEntities.add(e);
    }
  };
  if (el.peers !== 'any') {
    for (const p of el.peers as PeerSpec[]) {
      switch (p.type) {
        case 'endpoints':
          addSelector(p.selector);
          break;
        case 'entities':
          for (const e of p.entities) {
            if (e === 'all') {
              re.anyPeer = true;
              for (const x of PEER_ENTITIES) referencedEntities.add(x);
            } else if (e === 'world') ext.push(...worldRanges());
            else if (e === 'cluster') {
              re.allWorkloads = true;
              for (const x of PEER_ENTITIES) {
                entities.add(x);
                referencedEntities.add(x);
              }
            } else if (e !== 'none') {
              entities.add(e);
              referencedEntities.add(e);
            }
          }
          break;
        case 'cidr':
          ext.push(...p.ranges);
          break;
        case 'cidrGroup': {
          const groups = ctx.cidrGroups.filter(g => {
            if (p.ref !== undefined) return g.name === p.ref;
            return (
              !!p.selector && selectorMatches(p.selector, k8sLabels(g.labels))
            );
          });
          if (!groups.length)
            ctx.warn(
              `CIDR group ${p.ref ?? 'selector'} not found; selects nothing`,
            );
          for (const g of groups)
            ext.push(
              ...subtractRanges(
                normalizeRanges(g.cidrs),
                normalizeRanges(p.except),
              ),
            );
          break;
        }
        case 'fqdn': {
          const text = p.matchName ?? p.matchPattern ?? '';
          re.fqdns.push({ text, re: compileDnsPattern(text) });
          break;
        }
        case 'service': {
          const svcs = ctx.services.filter(
            s =>
              (p.namespace === undefined || s.namespace === p.namespace) &&
              (p.serviceName !== undefined
                ? s.name === p.serviceName
                : !!p.selector &&
                  selectorMatches(p.selector, k8sLabels(s.labels))),
          );
          if (!svcs.length)
            ctx.warn(
              `toServices: no Service ${p.namespace ?? '*'}/${
                p.serviceName ?? '(selector)'
              } loaded; selects nothing`,
            );
          for (const s of svcs) {
            if (s.selector) {
              const sel = parseSelector(
                { matchLabels: s.selector },
                k => `k8s:${k}`,
              );
              addSelector(
                makeSelector([
                  ...sel.requirements,
                  {
                    key: { source: 'k8s', key: POD_NAMESPACE_LABEL },
                    operator: 'In',
                    values: [s.namespace],
                  },
                ]),
              );
            } else ext.push(...s.addresses);
          }
          break;
        }
        case 'nodes':
          // Nodes are not modelled individually: a node selector stands for the node entities.
          entities.add('host');
          entities.add('remote-node');
          referencedEntities.add('host');
          referencedEntities.add('remote-node');
          break;
        default:
          break;
      }
    }
  }
  if (entitySet) re.entities = entitySet;
  if (referencedSet) re.referencedEntities = referencedSet;
  re.rawExt = ext;
  re.ext = normalizeRanges(ext);
  re.extAll =
    re.anyPeer ||
    (re.ext.length > 0 &&
      subtractRanges([fullRange(4)], re.ext).length === 0 &&
      (!ctx.hasV6 || subtractRanges([fullRange(6)], re.ext).length === 0));
  if (el.ports !== 'all') {
    for (const pr of el.ports) {
      if (pr.l7?.type === 'dns') {
        for (const d of pr.l7.rules as Array<Record<string, unknown>>) {
          const t = d?.matchName ?? d?.matchPattern;
          if (typeof t === 'string') re.dns.push(compileDnsPattern(t));
        }
      }
    }
  }
  const named = el.ports !== 'all' && el.ports.some(isNamed);
  if (!named) {
    re.constConn = portsConn(el.ports);
    re.constL7 = l7Of(el.ports);
  }
  return re;
}

/** Connections of an element towards a destination with these container ports. */
export function elementConn(
  re: ResolvedElement,
  dstPorts?: readonly ContainerPort[],
): ConnSet {
  return re.constConn !== undefined
    ? re.constConn
    : portsConn(re.el.ports, dstPorts);
}

/** L7 rules of an element towards a destination. */
export function elementL7(
  re: ResolvedElement,
  dstPorts?: readonly ContainerPort[],
): Array<{ conn: ConnSet; rules: L7Rules }> {
  return re.constL7 !== undefined ? re.constL7 : l7Of(re.el.ports, dstPorts);
}
