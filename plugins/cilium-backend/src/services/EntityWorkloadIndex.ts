import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ANNOTATION_CILIUM_CIDR,
  ANNOTATION_CILIUM_FQDN,
  getWorkloadIdentity,
  LabelSelectorRequirement,
  matchesLabelSelector,
} from '@cilium-zero-trust/plugin-cilium-common';
import * as ipaddr from 'ipaddr.js';

interface WorkloadClaim {
  entityRef: string;
  requirements: LabelSelectorRequirement[];
}

interface ExternalClaim {
  entityRef: string;
  fqdns: string[];
  cidrs: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
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

function fqdnMatches(pattern: string, name: string): boolean {
  const n = name.replace(/\.$/, '').toLowerCase();
  const p = pattern.replace(/\.$/, '').toLowerCase();
  if (p.startsWith('*.')) return n.endsWith(p.slice(1));
  return n === p;
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
      const result = getWorkloadIdentity(entity, { defaultCluster });
      if (result.ok) {
        const key = `${result.identity.cluster}/${result.identity.namespace}`;
        const list = this.byClusterNamespace.get(key) ?? [];
        list.push({ entityRef, requirements: result.identity.requirements });
        this.byClusterNamespace.set(key, list);
      }
      const a = entity.metadata.annotations ?? {};
      const fqdns = (a[ANNOTATION_CILIUM_FQDN] ?? '')
        .split(',')
        .map(s => s.trim())
        .filter(Boolean);
      const cidrs = (a[ANNOTATION_CILIUM_CIDR] ?? '')
        .split(',')
        .map(s => s.trim())
        .filter(s => ipaddr.isValidCIDR(s))
        .map(s => ipaddr.parseCIDR(s));
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
    if (!ipaddr.isValid(start) || !ipaddr.isValid(end)) return undefined;
    const a = ipaddr.parse(start);
    const b = ipaddr.parse(end);
    for (const ext of this.externals) {
      for (const [net, bits] of ext.cidrs) {
        if (
          net.kind() === a.kind() &&
          a.match(net as any, bits) &&
          b.kind() === a.kind() &&
          b.match(net as any, bits)
        ) {
          return ext.entityRef;
        }
      }
    }
    return undefined;
  }

  /** The Resource entity for an external peer, by DNS name or IP. */
  lookupExternal(names: string[], ip: string): string | undefined {
    if (this.externals.length === 0) return undefined;
    let addr: ipaddr.IPv4 | ipaddr.IPv6 | undefined;
    if (ip && ipaddr.isValid(ip)) {
      addr = ipaddr.parse(ip);
      if (
        addr.kind() === 'ipv6' &&
        (addr as ipaddr.IPv6).isIPv4MappedAddress()
      ) {
        addr = (addr as ipaddr.IPv6).toIPv4Address();
      }
    }
    for (const ext of this.externals) {
      if (names.some(n => ext.fqdns.some(p => fqdnMatches(p, n))))
        return ext.entityRef;
      if (
        addr &&
        ext.cidrs.some(
          ([net, bits]) =>
            net.kind() === addr!.kind() && addr!.match(net as any, bits),
        )
      ) {
        return ext.entityRef;
      }
    }
    return undefined;
  }
}
