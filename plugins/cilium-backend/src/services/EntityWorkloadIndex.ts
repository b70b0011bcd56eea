import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ANNOTATION_CILIUM_CIDR,
  ANNOTATION_CILIUM_FQDN,
  getEntityClusters,
  getWorkloadIdentity,
  LabelSelectorRequirement,
  matchesLabelSelector,
} from '@cilium-zero-trust/plugin-cilium-common';
import {
  compileDnsPattern,
  dnsCovers,
  DnsPattern,
  IpRange,
  parseAddress,
  parseCidr,
  rangeInside,
} from '@cilium-zero-trust/cilium-policy-engine';

interface WorkloadClaim {
  entityRef: string;
  requirements: LabelSelectorRequirement[];
}

interface ExternalClaim {
  entityRef: string;
  /** `cilium.backstage.io/fqdn` names and patterns, with Cilium's meaning. */
  fqdns: DnsPattern[];
  cidrs: IpRange[];
}

/** Turns Hubble's `source:key=value` endpoint labels into Kubernetes pod labels. */
export function podLabelsFromEndpointLabels(
  labels: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const label of labels) {
    if (!label.startsWith('k8s:')) continue;
    const eq = label.indexOf('=');
    if (eq < 0) out[label.slice(4)] = '';
    else out[label.slice(4, eq)] = label.slice(eq + 1);
  }
  return out;
}

/** Parses an annotation's CIDR list as the engine does; bad entries are skipped. */
function parseCidrs(list: string): IpRange[] {
  const out: IpRange[] = [];
  for (const text of list.split(',').map(t => t.trim())) {
    if (!text.includes('/')) continue;
    try {
      out.push(parseCidr(text));
    } catch {
      // not a CIDR: the catalog linter reports it
    }
  }
  return out;
}

/** An address as a one-address range; IPv4-mapped IPv6 becomes IPv4. */
function addressRange(text: string): IpRange | undefined {
  if (!text) return undefined;
  try {
    const a = parseAddress(text);
    if (a.family === 6 && a.value >> 32n === 0xffffn) {
      const v4 = a.value & 0xffffffffn;
      return { family: 4, start: v4, end: v4 };
    }
    return { family: a.family, start: a.value, end: a.value };
  } catch {
    return undefined;
  }
}

/**
 * Maps what Hubble says about an endpoint (cluster, namespace, pod labels, or
 * an external IP / DNS name) to the catalog entity that stands for it.
 * Lookups are cached per label set; the index is rebuilt from the catalog.
 */
export class EntityWorkloadIndex {
  private readonly byClusterNamespace = new Map<string, WorkloadClaim[]>();
  private readonly externals: ExternalClaim[] = [];
  private readonly cache = new Map<string, string | null>();

  constructor(entities: Entity[], defaultCluster: string) {
    for (const entity of entities) {
      const entityRef = stringifyEntityRef(entity);
      // One claim in each cluster the entity runs in.
      const clusters = getEntityClusters(entity, { defaultCluster });
      for (const cluster of clusters.ok ? clusters.clusters : []) {
        const result = getWorkloadIdentity(entity, { defaultCluster, cluster });
        if (!result.ok) continue;
        const key = `${cluster}/${result.identity.namespace}`;
        const list = this.byClusterNamespace.get(key) ?? [];
        list.push({ entityRef, requirements: result.identity.requirements });
        this.byClusterNamespace.set(key, list);
      }
      const a = entity.metadata.annotations ?? {};
      const fqdns = (a[ANNOTATION_CILIUM_FQDN] ?? '')
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)
        .map(compileDnsPattern);
      const cidrs = parseCidrs(a[ANNOTATION_CILIUM_CIDR] ?? '');
      if (fqdns.length || cidrs.length)
        this.externals.push({ entityRef, fqdns, cidrs });
    }
  }

  /** Namespaces (per cluster) that catalog entities use. */
  namespaces(cluster: string): string[] {
    const prefix = `${cluster}/`;
    return [...this.byClusterNamespace.keys()]
      .filter(k => k.startsWith(prefix))
      .map(k => k.slice(prefix.length))
      .sort();
  }

  /** Every entity ref the index can map to. */
  entityRefs(): Set<string> {
    const refs = new Set<string>();
    for (const list of this.byClusterNamespace.values())
      list.forEach(c => refs.add(c.entityRef));
    this.externals.forEach(e => refs.add(e.entityRef));
    return refs;
  }

  /**
   * The entity for a pod endpoint. `identity` (Cilium's numeric security
   * identity, one per label set) makes the cache key cheap when present.
   */
  lookupPod(
    cluster: string,
    namespace: string,
    labels: string[],
    identity: number,
  ): string | undefined {
    if (!namespace) return undefined;
    const key =
      identity > 0
        ? `${cluster}/${namespace}#${identity}`
        : `${cluster}/${namespace}|${labels.join(',')}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const claims = this.byClusterNamespace.get(`${cluster}/${namespace}`) ?? [];
    const podLabels = podLabelsFromEndpointLabels(labels);
    const found = claims.find(c =>
      matchesLabelSelector(c.requirements, podLabels),
    );
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(key, found?.entityRef ?? null);
    return found?.entityRef;
  }

  /** The Resource entity whose CIDRs hold a whole address range. */
  lookupRange(start: string, end: string): string | undefined {
    const a = addressRange(start);
    const b = addressRange(end);
    if (!a || !b || a.family !== b.family) return undefined;
    const range: IpRange = { family: a.family, start: a.start, end: b.end };
    return this.externals.find(ext =>
      ext.cidrs.some(net => rangeInside(range, net)),
    )?.entityRef;
  }

  /** The Resource entity for an external peer, by DNS name or IP. */
  lookupExternal(names: string[], ip: string): string | undefined {
    if (this.externals.length === 0) return undefined;
    const addr = addressRange(ip);
    for (const ext of this.externals) {
      if (names.some(n => ext.fqdns.some(p => dnsCovers(p, n))))
        return ext.entityRef;
      if (addr && ext.cidrs.some(net => rangeInside(addr, net)))
        return ext.entityRef;
    }
    return undefined;
  }
}
