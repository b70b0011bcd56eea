import { WorkloadPort, WorkloadSummary } from '@internal/plugin-cilium-common';

type Obj = Record<string, any>;

const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The kinds of Kubernetes objects that run pods. */
export const WORKLOAD_KINDS = Object.keys(POD_TEMPLATE_PATHS);

function dig(obj: Obj | undefined, path: string[]): Obj | undefined {
  let cur: any = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[p];
  }
  return cur && typeof cur === 'object' ? cur : undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out[k] = String(v);
  }
  return out;
}

/**
 * Turns a Kubernetes workload object into a summary, or explains why it cannot.
 * Returns `undefined` for objects that are not workloads.
 */
export function workloadFromManifest(
  doc: Obj,
  cluster: string,
  source: string,
): WorkloadSummary | { error: string } | undefined {
  const kind = doc?.kind;
  if (typeof kind !== 'string' || !(kind in POD_TEMPLATE_PATHS)) return undefined;
  const name = doc.metadata?.name;
  if (typeof name !== 'string' || !name) {
    return { error: `${kind} without metadata.name` };
  }
  const template = kind === 'Pod' ? doc : dig(doc, POD_TEMPLATE_PATHS[kind]);
  if (!template) {
    return { error: `${kind} ${name} has no pod template` };
  }
  const ports: WorkloadPort[] = [];
  const containers = dig(template, ['spec'])?.containers;
  for (const c of Array.isArray(containers) ? containers : []) {
    for (const p of Array.isArray(c?.ports) ? c.ports : []) {
      const containerPort = Number(p?.containerPort);
      if (!Number.isInteger(containerPort)) continue;
      ports.push({
        name: typeof p.name === 'string' ? p.name : undefined,
        containerPort,
        protocol: p.protocol === 'UDP' || p.protocol === 'SCTP' ? p.protocol : 'TCP',
      });
    }
  }
  return {
    cluster,
    namespace: typeof doc.metadata?.namespace === 'string' ? doc.metadata.namespace : 'default',
    kind,
    name,
    podLabels: stringRecord(dig(template, ['metadata'])?.labels),
    ports,
    source,
  };
}
