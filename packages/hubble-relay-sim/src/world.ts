import {
  ANNOTATION_CILIUM_CIDR,
  ANNOTATION_CILIUM_FQDN,
  getWorkloadIdentity,
  matchesLabelSelector,
} from '@cilium-zero-trust/plugin-cilium-common';
import type {
  WorkloadPort,
  WorkloadSummary,
} from '@cilium-zero-trust/plugin-cilium-common';
import { loadDirectory } from '@cilium-zero-trust/cilium-policy-engine';
import { toWorkloadSummary } from '@cilium-zero-trust/plugin-cilium-node';
import { catalogEntityRef, loadCatalogEntities } from './catalog';

/**
 * The sample world as the synthetic generator sees it: workloads (from the
 * cluster manifests), catalog components mapped to them through the Kubernetes
 * plugin annotations, external resources, and the calls implied by the
 * catalog's `dependsOn`.
 */

export interface SimPod {
  name: string;
  ip: string;
  node: string;
}

export interface SimWorkload {
  namespace: string;
  name: string;
  kind: string;
  labels: Record<string, string>;
  serviceAccount: string;
  ports: WorkloadPort[];
  pods: SimPod[];
  /** Catalog entity claiming this workload, e.g. `component:default/cart`. */
  entityRef?: string;
  /** Cilium security identity (synthetic, stable). */
  identity: number;
}

export interface SimExternal {
  entityRef: string;
  fqdn?: string;
  cidr?: string;
  ip: string;
  identity: number;
}

export interface SimCall {
  src: SimWorkload;
  dst: SimWorkload | SimExternal;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  /** `http` when the port is named http/https/web, else the port's name or `tcp`. */
  app: string;
}

export interface SimWorld {
  workloads: SimWorkload[];
  externals: SimExternal[];
  /** Calls declared by catalog dependsOn. */
  calls: SimCall[];
  /** The cluster DNS workload (k8s-app=kube-dns), if any. */
  dns?: SimWorkload;
  nodes: string[];
}

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function normalizeRef(ref: string, defaultKind: string): string {
  const m = /^(?:([^:]+):)?(?:([^/]+)\/)?(.+)$/.exec(ref.trim());
  if (!m) return ref;
  return `${(m[1] ?? defaultKind).toLowerCase()}:${m[2] ?? 'default'}/${m[3]}`;
}

function mainPort(ports: WorkloadPort[]): WorkloadPort | undefined {
  return (
    ports.find(p => !/metrics|health|admin|probe/i.test(p.name ?? '')) ??
    ports[0]
  );
}

function appOf(port: WorkloadPort | undefined): string {
  const name = (port?.name ?? '').toLowerCase();
  if (
    /^(http|https|web)/.test(name) ||
    port?.containerPort === 80 ||
    port?.containerPort === 8080
  ) {
    return 'http';
  }
  return name || 'tcp';
}

function podsOf(
  w: WorkloadSummary,
  nsIndex: number,
  wIndex: number,
  nodes: string[],
): SimPod[] {
  const replicas = w.kind === 'Deployment' ? 2 : 1;
  const pods: SimPod[] = [];
  for (let r = 0; r < replicas; r++) {
    const h = hashString(`${w.namespace}/${w.name}/${r}`);
    let name = w.name;
    if (w.kind === 'Deployment') {
      const hash = (h % 0xfffffff).toString(36).slice(0, 8).padEnd(8, 'x');
      const suffix = ((h >>> 3) % 0xfffff)
        .toString(36)
        .slice(0, 5)
        .padEnd(5, 'z');
      name = `${w.name}-${hash}-${suffix}`;
    } else if (w.kind === 'StatefulSet') {
      name = `${w.name}-${r}`;
    }
    pods.push({
      name,
      ip: `10.244.${nsIndex}.${(wIndex * 4 + r + 2) % 254}`,
      node: nodes[h % nodes.length],
    });
  }
  return pods;
}

/** Loads the cluster manifests and catalog into a world model. */
export async function loadSimWorld(options: {
  clusterDir: string;
  catalogDir?: string;
  /** The cluster simulated: components that run in it (`cilium.backstage.io/cluster`) get its workloads. */
  cluster?: string;
  /** The default cluster of components that name none (default: `cluster`). */
  defaultCluster?: string;
  nodes?: string[];
}): Promise<SimWorld> {
  const cluster = options.cluster ?? 'dev';
  const defaultCluster = options.defaultCluster ?? cluster;
  const nodes = options.nodes ?? ['sim-node-1', 'sim-node-2', 'sim-node-3'];
  const engineWorkloads = loadDirectory(options.clusterDir).workloads;
  const serviceAccounts = new Map(
    engineWorkloads.map(w => [`${w.namespace}/${w.name}`, w.serviceAccount]),
  );
  const summaries: WorkloadSummary[] = engineWorkloads.map(w =>
    toWorkloadSummary(cluster, w),
  );
  const namespaces = [...new Set(summaries.map(w => w.namespace))].sort();
  const workloads: SimWorkload[] = summaries.map((w, i) => ({
    namespace: w.namespace,
    name: w.name,
    kind: w.kind,
    labels: w.podLabels,
    serviceAccount:
      serviceAccounts.get(`${w.namespace}/${w.name}`) ?? 'default',
    ports: w.ports,
    pods: podsOf(w, namespaces.indexOf(w.namespace) + 1, i, nodes),
    identity:
      256 +
      (hashString(`${w.namespace}/${JSON.stringify(w.podLabels)}`) % 60000),
  }));

  const externals: SimExternal[] = [];
  const calls: SimCall[] = [];
  const entities = options.catalogDir
    ? loadCatalogEntities(options.catalogDir)
    : [];
  const byRef = new Map(entities.map(e => [catalogEntityRef(e), e]));
  const claimed = new Map<string, SimWorkload[]>();
  for (const e of entities) {
    if (e.kind !== 'Component') continue;
    const id = getWorkloadIdentity(e, { defaultCluster, cluster });
    if (!id.ok) continue;
    const mine = workloads.filter(
      w =>
        w.namespace === id.identity.namespace &&
        matchesLabelSelector(id.identity.requirements, w.labels),
    );
    for (const w of mine) w.entityRef = catalogEntityRef(e);
    claimed.set(catalogEntityRef(e), mine);
  }
  let extIndex = 0;
  for (const e of entities) {
    if (e.kind !== 'Resource') continue;
    const a = e.metadata.annotations ?? {};
    const fqdn = a[ANNOTATION_CILIUM_FQDN];
    const cidr = a[ANNOTATION_CILIUM_CIDR];
    if (!fqdn && !cidr) continue;
    extIndex++;
    let ip = `192.0.2.${10 + extIndex}`;
    if (cidr && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) {
      const base = cidr.split('/')[0].split('.').map(Number);
      ip = `${base[0]}.${base[1]}.${base[2]}.${Math.min(254, base[3] + 10)}`;
    }
    externals.push({
      entityRef: catalogEntityRef(e),
      fqdn,
      cidr,
      ip,
      identity: 16777216 + extIndex,
    });
  }
  const externalByRef = new Map(externals.map(x => [x.entityRef, x]));
  for (const e of entities) {
    if (e.kind !== 'Component') continue;
    const sources = claimed.get(catalogEntityRef(e)) ?? [];
    const deps = (
      (e.spec as { dependsOn?: string[] } | undefined)?.dependsOn ?? []
    ).map(r => normalizeRef(r, 'component'));
    for (const dep of deps) {
      const ext = externalByRef.get(dep);
      const targets = ext ? [] : claimed.get(dep) ?? [];
      for (const src of sources) {
        if (ext) {
          calls.push({
            src,
            dst: ext,
            port: 443,
            protocol: 'TCP',
            app: 'https',
          });
        }
        for (const dst of targets) {
          const port = mainPort(dst.ports);
          if (!port) continue;
          calls.push({
            src,
            dst,
            port: port.containerPort,
            protocol: port.protocol,
            app: appOf(port),
          });
        }
      }
      if (!ext && !targets.length && !byRef.has(dep)) {
        // Dependency on an unknown entity: nothing to simulate.
      }
    }
  }
  const dns = workloads.find(w => w.labels['k8s-app'] === 'kube-dns');
  return { workloads, externals, calls, dns, nodes };
}

export function mainPortOf(w: SimWorkload): WorkloadPort | undefined {
  return mainPort(w.ports);
}

export function appOfPort(port: WorkloadPort | undefined): string {
  return appOf(port);
}
