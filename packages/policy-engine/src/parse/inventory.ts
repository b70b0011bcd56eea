import type {
  CidrGroup,
  ContainerPort,
  Diagnostic,
  Inventory,
  Namespace,
  Service,
  Workload,
  WorkloadKind,
} from '../model/inventory';
import { CidrError, IpRange, parseCidr } from '../model/ip';
import type { SourcePosition } from '../model/policy';
import { parseCiliumPolicy } from './policy-cilium';
import { parseKubernetesPolicy } from './policy-knp';
import { ParsedText, parseYamlText, SourceDocument } from './yaml';

type Obj = Record<string, unknown>;

const WORKLOAD_KINDS: Record<string, WorkloadKind> = {
  Deployment: 'Deployment',
  StatefulSet: 'StatefulSet',
  DaemonSet: 'DaemonSet',
  ReplicaSet: 'ReplicaSet',
  Job: 'Job',
  CronJob: 'CronJob',
  ReplicationController: 'ReplicationController',
  DeploymentConfig: 'DeploymentConfig',
};

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v))
      out[k] = x === null || x === undefined ? '' : String(x);
  return out;
}

function podSpecPorts(spec: unknown): ContainerPort[] {
  const out: ContainerPort[] = [];
  const s = (spec ?? {}) as Obj;
  for (const list of [s.containers, s.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      const ports = (c as Obj)?.ports;
      if (!Array.isArray(ports)) continue;
      for (const p of ports as Obj[]) {
        const port = Number(p?.containerPort);
        if (!Number.isInteger(port) || port <= 0) continue;
        const proto = String(p?.protocol ?? 'TCP').toUpperCase();
        out.push({
          port,
          protocol: proto === 'UDP' || proto === 'SCTP' ? proto : 'TCP',
          ...(typeof p?.name === 'string' ? { name: p.name } : {}),
        });
      }
    }
  }
  return out;
}

/**
 * Builder that accumulates objects from many files into an {@link Inventory}.
 *
 * @public
 */
export class InventoryBuilder {
  private readonly inv: Inventory = {
    policies: [],
    workloads: [],
    namespaces: [],
    services: [],
    cidrGroups: [],
    diagnostics: [],
    kinds: {},
  };
  private readonly pods: Array<{ obj: Obj; pos: SourcePosition }> = [];
  private readonly owners = new Map<
    string,
    { kind: string; name: string; owner?: { kind: string; name: string } }
  >();
  private readonly workloadObjs: Array<{
    obj: Obj;
    kind: WorkloadKind;
    pos: SourcePosition;
  }> = [];
  private readonly nsSeen = new Map<string, Namespace>();

  /** Adds the documents of one YAML/JSON text. */
  addText(text: string, file?: string): this {
    return this.addParsed(parseYamlText(text, file));
  }

  /**
   * Adds the documents and diagnostics of a text already parsed with
   * {@link parseYamlText} (e.g. on another thread).
   */
  addParsed(parsed: ParsedText): this {
    for (const d of parsed.diagnostics) this.inv.diagnostics.push(d);
    for (const d of parsed.documents) this.addDocument(d);
    return this;
  }

  /** Adds an already parsed object (e.g. built in memory). */
  addObject(value: unknown, file?: string): this {
    this.addDocument({ file, index: 0, line: 1, column: 1, value });
    return this;
  }

  private diag(
    d: Omit<Diagnostic, 'file' | 'line' | 'column' | 'document'>,
    pos: SourcePosition,
  ): void {
    this.inv.diagnostics.push({
      ...d,
      file: pos.file,
      line: pos.line,
      column: pos.column,
      document: pos.document,
    });
  }

  private addDocument(doc: SourceDocument): void {
    const pos: SourcePosition = {
      file: doc.file,
      document: doc.index,
      line: doc.line,
      column: doc.column,
    };
    this.addValue(doc.value, pos);
  }

  private addValue(value: unknown, pos: SourcePosition): void {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      this.diag(
        {
          severity: 'warning',
          code: 'invalid-object',
          message: 'document is not a Kubernetes object',
        },
        pos,
      );
      return;
    }
    const obj = value as Obj;
    const kind = str(obj.kind);
    if (!kind) {
      this.diag(
        {
          severity: 'warning',
          code: 'invalid-object',
          message: 'document has no kind',
        },
        pos,
      );
      return;
    }
    this.inv.kinds[kind] = (this.inv.kinds[kind] ?? 0) + 1;
    if (kind.endsWith('List') && Array.isArray(obj.items)) {
      for (const item of obj.items) {
        const it = item as Obj;
        if (it && typeof it === 'object' && !it.kind) {
          // NamespaceList / PodList items may omit kind
          it.kind = kind.slice(0, -4);
        }
        this.addValue(it, pos);
      }
      return;
    }
    const meta = (obj.metadata ?? {}) as Obj;
    const objName = `${kind} ${
      str(meta.namespace) ? `${String(meta.namespace)}/` : ''
    }${String(meta.name ?? '?')}`;
    switch (kind) {
      case 'CiliumNetworkPolicy':
      case 'CiliumClusterwideNetworkPolicy':
      case 'NetworkPolicy': {
        const res =
          kind === 'NetworkPolicy'
            ? parseKubernetesPolicy(obj, pos)
            : parseCiliumPolicy(obj, kind, pos);
        for (const w of res.warnings)
          this.diag(
            {
              severity: 'warning',
              code: 'unsupported',
              message: w,
              object: objName,
            },
            pos,
          );
        if (res.policy) this.inv.policies.push(res.policy);
        else {
          this.diag(
            {
              severity: 'error',
              code: 'invalid-policy',
              message: `policy refused: ${res.errors.join('; ')}`,
              object: objName,
            },
            pos,
          );
        }
        return;
      }
      case 'Namespace': {
        const name = str(meta.name);
        if (!name) return;
        const labels = labelsOf(meta.labels);
        labels['kubernetes.io/metadata.name'] = name;
        this.nsSeen.set(name, { name, labels });
        return;
      }
      case 'Pod':
        this.pods.push({ obj, pos });
        return;
      case 'Service': {
        const spec = (obj.spec ?? {}) as Obj;
        const addresses: IpRange[] = [];
        for (const ip of Array.isArray(spec.externalIPs)
          ? spec.externalIPs
          : []) {
          try {
            addresses.push(parseCidr(String(ip)));
          } catch (e) {
            if (!(e instanceof CidrError)) throw e;
          }
        }
        const svc: Service = {
          namespace: str(meta.namespace) ?? 'default',
          name: String(meta.name ?? ''),
          labels: labelsOf(meta.labels),
          addresses,
          ...(spec.selector && typeof spec.selector === 'object'
            ? { selector: labelsOf(spec.selector) }
            : {}),
        };
        this.inv.services.push(svc);
        return;
      }
      case 'CiliumCIDRGroup': {
        const spec = (obj.spec ?? {}) as Obj;
        const cidrs: IpRange[] = [];
        for (const c of Array.isArray(spec.externalCIDRs)
          ? spec.externalCIDRs
          : []) {
          try {
            cidrs.push(parseCidr(String(c)));
          } catch (e) {
            if (!(e instanceof CidrError)) throw e;
          }
        }
        const g: CidrGroup = {
          name: String(meta.name ?? ''),
          labels: labelsOf(meta.labels),
          cidrs,
        };
        this.inv.cidrGroups.push(g);
        return;
      }
      default:
        break;
    }
    const wk = WORKLOAD_KINDS[kind];
    if (wk) {
      const ns = str(meta.namespace) ?? 'default';
      const refs = (meta.ownerReferences as Obj[] | undefined) ?? [];
      const o = refs.find(x => x?.controller === true) ?? refs[0];
      this.owners.set(`${ns}/${kind}/${String(meta.name)}`, {
        kind,
        name: String(meta.name),
        ...(o ? { owner: { kind: String(o.kind), name: String(o.name) } } : {}),
      });
      this.workloadObjs.push({ obj, kind: wk, pos });
    }
    // Other kinds (ConfigMap, RBAC, Route, Ingress, ...) are ignored.
  }

  /** Resolves a pod's top-level owner. */
  private topOwner(
    ns: string,
    kind: string,
    name: string,
  ): { kind: string; name: string } {
    let cur = { kind, name };
    for (let i = 0; i < 5; i++) {
      const o = this.owners.get(`${ns}/${cur.kind}/${cur.name}`);
      if (!o?.owner) break;
      cur = o.owner;
    }
    return cur;
  }

  /** Finishes and returns the inventory. */
  build(): Inventory {
    const byId = new Map<string, Workload>();
    const add = (w: Workload) => {
      const prev = byId.get(w.id);
      if (!prev) {
        byId.set(w.id, w);
        return;
      }
      for (const p of w.ports) {
        if (
          !prev.ports.some(
            x =>
              x.port === p.port &&
              x.protocol === p.protocol &&
              x.name === p.name,
          )
        )
          prev.ports.push(p);
      }
    };
    for (const { obj, kind, pos } of this.workloadObjs) {
      const meta = (obj.metadata ?? {}) as Obj;
      const ns = str(meta.namespace) ?? 'default';
      const name = String(meta.name ?? '');
      // Controlled by a loaded owner: the owner is the workload.
      const top = this.topOwner(ns, kind, name);
      if (top.kind !== kind || top.name !== name) {
        if (this.owners.has(`${ns}/${top.kind}/${top.name}`)) continue;
      }
      const spec = (obj.spec ?? {}) as Obj;
      const tmpl =
        (kind === 'CronJob'
          ? (((spec.jobTemplate as Obj)?.spec as Obj)?.template as Obj)
          : (spec.template as Obj)) ?? {};
      const tmeta = (tmpl.metadata ?? {}) as Obj;
      const tspec = (tmpl.spec ?? {}) as Obj;
      const wkind = (WORKLOAD_KINDS[top.kind] ?? kind) as WorkloadKind;
      add({
        id: `${ns}/${top.name}[${wkind}]`,
        namespace: ns,
        name: top.name,
        kind: wkind,
        labels: labelsOf(tmeta.labels),
        serviceAccount:
          str(tspec.serviceAccountName) ??
          str(tspec.serviceAccount) ??
          'default',
        ports: podSpecPorts(tspec),
        position: pos,
      });
    }
    for (const { obj, pos } of this.pods) {
      const meta = (obj.metadata ?? {}) as Obj;
      const ns = str(meta.namespace) ?? 'default';
      const refs = (meta.ownerReferences as Obj[] | undefined) ?? [];
      const ctl = refs.find(r => r?.controller === true) ?? refs[0];
      let kind: WorkloadKind = 'Pod';
      let name = String(meta.name ?? '');
      if (ctl && typeof ctl.kind === 'string' && typeof ctl.name === 'string') {
        const top = this.topOwner(ns, ctl.kind, ctl.name);
        kind = (WORKLOAD_KINDS[top.kind] ?? 'Pod') as WorkloadKind;
        name = kind === 'Pod' ? name : top.name;
      }
      const spec = (obj.spec ?? {}) as Obj;
      add({
        id: `${ns}/${name}[${kind}]`,
        namespace: ns,
        name,
        kind,
        labels: labelsOf(meta.labels),
        serviceAccount:
          str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? 'default',
        ports: podSpecPorts(spec),
        position: pos,
      });
    }
    this.inv.workloads = [...byId.values()];
    const namespaces = new Map(this.nsSeen);
    for (const w of this.inv.workloads) {
      if (!namespaces.has(w.namespace)) {
        namespaces.set(w.namespace, {
          name: w.namespace,
          labels: { 'kubernetes.io/metadata.name': w.namespace },
        });
      }
    }
    this.inv.namespaces = [...namespaces.values()];
    return this.inv;
  }
}

/**
 * Parses several texts (e.g. the files of a directory) into an inventory.
 *
 * @public
 */
export function parseInventory(
  files: Array<{ text: string; file?: string }>,
): Inventory {
  const b = new InventoryBuilder();
  for (const f of files) b.addText(f.text, f.file);
  return b.build();
}
