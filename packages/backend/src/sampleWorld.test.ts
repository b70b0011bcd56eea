/*
 * Consistency checks for the sample world in examples/: the catalog
 * (examples/catalog), the cluster it describes (examples/cluster) and the
 * policies the cluster runs (examples/gitops/policies).
 *
 * These are the promises the demo and the end-to-end tests rely on: every
 * entity is valid and every reference resolves, every annotated component
 * finds its workloads, every workload belongs to exactly one component, every
 * application namespace is under default deny, and every policy is
 * structurally valid Cilium and selects something that exists.
 * Failures name the file and the entity or object that is wrong.
 */
import fs from 'fs';
import path from 'path';
import { parseAllDocuments } from 'yaml';
import type { Entity, KindValidator } from '@backstage/catalog-model';
import {
  isValidLabelKey,
  isValidLabelValue,
  matchesLabelSelector,
  parseLabelSelector as parseSelectorRequirements,
} from '@cilium-zero-trust/plugin-cilium-common';
import {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  stringifyEntityRef,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from '@backstage/catalog-model';

// ---------------------------------------------------------------------------
// Label selectors (Kubernetes string syntax, as in
// backstage.io/kubernetes-label-selector and `kubectl -l`).
// ---------------------------------------------------------------------------

type Labels = Record<string, string>;

/** A label-selector string as a predicate, with the plugins' own parser. */
function parseLabelSelector(selector: string): (labels: Labels) => boolean {
  const requirements = parseSelectorRequirements(selector);
  return labels => matchesLabelSelector(requirements, labels);
}

// ---------------------------------------------------------------------------
// Loading the sample world
// ---------------------------------------------------------------------------

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const CATALOG_DIR = path.join(EXAMPLES, 'catalog');
const CLUSTER_DIR = path.join(EXAMPLES, 'cluster');
const POLICIES_DIR = path.join(EXAMPLES, 'gitops', 'policies');

type Doc = { file: string; obj: any };

const rel = (file: string) => path.relative(path.resolve(EXAMPLES, '..'), file);

function listYaml(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap(e => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return listYaml(p);
      return /\.ya?ml$/.test(e.name) ? [p] : [];
    })
    .sort();
}

function loadDocs(file: string): Doc[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  return docs.flatMap((d: any) => {
    if (d.errors?.length) {
      throw new Error(`${rel(file)}: YAML error: ${d.errors[0].message}`);
    }
    const obj = d.toJS();
    return obj === null || obj === undefined ? [] : [{ file, obj }];
  });
}

const catalogDocs = listYaml(CATALOG_DIR).flatMap(loadDocs);
const clusterDocs = listYaml(CLUSTER_DIR).flatMap(loadDocs);
const policyDocs = listYaml(POLICIES_DIR).flatMap(loadDocs);

const entities: Array<{ file: string; entity: Entity; ref: string }> =
  catalogDocs.map(({ file, obj }) => ({
    file,
    entity: obj as Entity,
    ref: stringifyEntityRef({
      kind: obj.kind,
      namespace: obj.metadata?.namespace ?? 'default',
      name: obj.metadata?.name,
    }),
  }));
const entityByRef = new Map(entities.map(e => [e.ref, e]));
const byKind = (kind: string) => entities.filter(e => e.entity.kind === kind);
const describeEntity = (e: { file: string; ref: string }) =>
  `${e.ref} (${rel(e.file)})`;

// Workloads and the labels of the pods they create.
const WORKLOAD_KINDS = [
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
];

type Workload = {
  file: string;
  kind: string;
  name: string;
  namespace: string;
  podLabels: Labels;
  containers: any[];
  id: string;
};

function podTemplate(obj: any): any {
  switch (obj.kind) {
    case 'Pod':
      return obj;
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template;
    default:
      return obj.spec?.template;
  }
}

const workloads: Workload[] = clusterDocs
  .filter(d => WORKLOAD_KINDS.includes(d.obj.kind))
  .map(({ file, obj }) => {
    const tpl = podTemplate(obj) ?? {};
    const namespace = obj.metadata?.namespace ?? 'default';
    return {
      file,
      kind: obj.kind,
      name: obj.metadata?.name,
      namespace,
      podLabels: tpl.metadata?.labels ?? {},
      containers: tpl.spec?.containers ?? [],
      id: `${namespace}/${obj.metadata?.name}[${obj.kind}] (${rel(file)})`,
    };
  });

const namespaceManifests = clusterDocs.filter(d => d.obj.kind === 'Namespace');
const namespaceLabels = new Map<string, Labels>(
  namespaceManifests.map(d => [
    d.obj.metadata.name,
    d.obj.metadata.labels ?? {},
  ]),
);
const SYSTEM_NAMESPACES = ['kube-system'];
const applicationNamespaces = [...namespaceLabels.keys()].filter(
  ns => !SYSTEM_NAMESPACES.includes(ns),
);

const K8S_NAMESPACE = 'backstage.io/kubernetes-namespace';
const K8S_SELECTOR = 'backstage.io/kubernetes-label-selector';
const K8S_ID = 'backstage.io/kubernetes-id';
const CILIUM_FQDN = 'cilium.backstage.io/fqdn';
const CILIUM_CIDR = 'cilium.backstage.io/cidr';

/** The component's pod selector, as the Kubernetes plugin reads it (selector wins over id). */
function componentSelector(entity: Entity): string | undefined {
  const a = entity.metadata.annotations ?? {};
  if (a[K8S_SELECTOR] !== undefined) return a[K8S_SELECTOR];
  if (a[K8S_ID] !== undefined) return `${K8S_ID}=${a[K8S_ID]}`;
  return undefined;
}

const annotatedComponents = byKind('Component').filter(
  e => componentSelector(e.entity) !== undefined,
);

function claimsOf(workload: Workload) {
  return annotatedComponents.filter(c => {
    const a = c.entity.metadata.annotations ?? {};
    if (a[K8S_NAMESPACE] !== workload.namespace) return false;
    return parseLabelSelector(componentSelector(c.entity)!)(workload.podLabels);
  });
}

// ---------------------------------------------------------------------------
// Small network helpers
// ---------------------------------------------------------------------------

function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some(p => p > 255)) return undefined;
  return (
    ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0
  );
}

/** Parses an IPv4 CIDR with no host bits set; undefined if malformed. */
function parseCidr(s: string): { base: number; bits: number } | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  if (!m) return undefined;
  const base = parseIPv4(m[1]);
  const bits = Number(m[2]);
  if (base === undefined || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  if ((base & mask) >>> 0 !== base) return undefined;
  return { base, bits };
}

function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || i.bits < o.bits) return false;
  const mask = o.bits === 0 ? 0 : (~0 << (32 - o.bits)) >>> 0;
  return (i.base & mask) >>> 0 === o.base;
}

/** RFC 5737 documentation ranges: the only "public" addresses the sample world may use. */
const DOCUMENTATION_RANGES = [
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
];

const FQDN =
  /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** IANA service name, the syntax of named container ports. */
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

// ---------------------------------------------------------------------------
// Cilium selectors with the namespace defaulting of
// pkg/k8s/apis/cilium.io/utils (see the policy semantics reference, §4).
// ---------------------------------------------------------------------------

type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: string;
    values?: string[];
  }>;
};

const NS_KEY = 'io.kubernetes.pod.namespace';
const NS_LABEL_PREFIX = 'io.cilium.k8s.namespace.labels.';

/** Drops a Cilium label source prefix (`k8s:`, `any:`); reserved keys keep theirs. */
function stripSource(key: string): string {
  const m = /^(k8s|any):(.*)$/.exec(key);
  return m ? m[2] : key;
}

/** The labels Cilium sees on a workload's pods (k8s source, stripped). */
function endpointLabels(w: Workload): Labels {
  const labels: Labels = { ...w.podLabels, [NS_KEY]: w.namespace };
  for (const [k, v] of Object.entries(namespaceLabels.get(w.namespace) ?? {})) {
    labels[`${NS_LABEL_PREFIX}${k}`] = v;
  }
  return labels;
}

function matchSelector(sel: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (labels[stripSource(k)] !== String(v)) return false;
  }
  for (const e of sel.matchExpressions ?? []) {
    const key = stripSource(e.key);
    const has = key in labels;
    const values = (e.values ?? []).map(String);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

const selectorKeys = (sel: LabelSelector) => [
  ...Object.keys(sel.matchLabels ?? {}),
  ...(sel.matchExpressions ?? []).map(e => e.key),
];

/** Workloads an endpoint selector matches. `policyNs` undefined = clusterwide. */
function selectWorkloads(
  sel: LabelSelector,
  policyNs: string | undefined,
  role: 'subject' | 'peer',
): Workload[] {
  const keys = selectorKeys(sel).map(stripSource);
  if (keys.some(k => k.startsWith('reserved:'))) return [];
  const namesNs =
    keys.includes(NS_KEY) || keys.some(k => k.startsWith(NS_LABEL_PREFIX));
  return workloads.filter(w => {
    if (
      policyNs !== undefined &&
      (role === 'subject' || !namesNs) &&
      w.namespace !== policyNs
    ) {
      return false;
    }
    return matchSelector(sel, endpointLabels(w));
  });
}

/** Workloads a Kubernetes NetworkPolicy peer (podSelector/namespaceSelector) matches. */
function selectKnpPeer(peer: any, policyNs: string): Workload[] {
  return workloads.filter(w => {
    if (peer.namespaceSelector) {
      if (
        !matchSelector(
          peer.namespaceSelector,
          namespaceLabels.get(w.namespace) ?? {},
        )
      ) {
        return false;
      }
    } else if (w.namespace !== policyNs) {
      return false;
    }
    return peer.podSelector
      ? matchSelector(peer.podSelector, w.podLabels)
      : true;
  });
}

const namedPorts = (ws: Workload[]) =>
  new Set(
    ws.flatMap(w =>
      w.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name)),
    ),
  );

// ---------------------------------------------------------------------------
// Structural checks of Cilium rules: the CRD's and the agent sanitiser's
// rules (policy semantics reference §2, §5, §7, §8, §10).
// ---------------------------------------------------------------------------

const ENTITIES = [
  'all',
  'world',
  'cluster',
  'host',
  'init',
  'ingress',
  'unmanaged',
  'remote-node',
  'health',
  'none',
  'kube-apiserver',
];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'VRRP', 'IGMP', 'ANY'];
const INGRESS_PEERS = [
  'fromEndpoints',
  'fromEntities',
  'fromCIDR',
  'fromCIDRSet',
  'fromNodes',
  'fromGroups',
];
const EGRESS_PEERS = [
  'toEndpoints',
  'toEntities',
  'toCIDR',
  'toCIDRSet',
  'toNodes',
  'toGroups',
  'toFQDNs',
  'toServices',
];
const SECTIONS = ['ingress', 'ingressDeny', 'egress', 'egressDeny'] as const;

function checkSelectorSyntax(
  sel: LabelSelector,
  where: string,
  problems: string[],
) {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (!isValidLabelValue(String(v)))
      problems.push(`${where}: invalid label value "${v}" for ${k}`);
  }
  for (const e of sel.matchExpressions ?? []) {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) {
      problems.push(
        `${where}: unknown matchExpressions operator "${e.operator}"`,
      );
    }
    const needsValues = e.operator === 'In' || e.operator === 'NotIn';
    if (needsValues !== Boolean(e.values?.length)) {
      problems.push(
        `${where}: operator ${e.operator} ${
          needsValues ? 'needs' : 'takes no'
        } values`,
      );
    }
  }
}

/** Checks one CNP/CCNP rule; returns nothing, appends problems. */
function checkCiliumRule(
  rule: any,
  kind: string,
  where: string,
  problems: string[],
) {
  const hasEp = rule.endpointSelector !== undefined;
  const hasNode = rule.nodeSelector !== undefined;
  if (hasEp === hasNode)
    problems.push(
      `${where}: needs exactly one of endpointSelector/nodeSelector`,
    );
  if (hasNode && kind === 'CiliumNetworkPolicy')
    problems.push(`${where}: nodeSelector is CCNP-only`);
  if (hasEp)
    checkSelectorSyntax(
      rule.endpointSelector,
      `${where}.endpointSelector`,
      problems,
    );
  if (!SECTIONS.some(s => rule[s] !== undefined)) {
    problems.push(
      `${where}: rule must have at least one of ingress, ingressDeny, egress, egressDeny`,
    );
  }
  for (const section of SECTIONS) {
    const elements = rule[section];
    if (elements === undefined) continue;
    if (!Array.isArray(elements)) {
      problems.push(`${where}.${section}: must be a list`);
      continue;
    }
    const isIngress = section.startsWith('ingress');
    const isDeny = section.endsWith('Deny');
    elements.forEach((el: any, idx: number) => {
      const at = `${where}.${section}[${idx}]`;
      const peerKinds = (isIngress ? INGRESS_PEERS : EGRESS_PEERS).filter(
        p => el[p] !== undefined,
      );
      if (peerKinds.length > 1) {
        problems.push(
          `${at}: combines L3 peer kinds ${peerKinds.join(
            ' and ',
          )} (one per element)`,
        );
      }
      for (const p of Object.keys(el)) {
        const known = [
          ...(isIngress ? INGRESS_PEERS : EGRESS_PEERS),
          'toPorts',
          'icmps',
          'authentication',
        ];
        if (!known.includes(p)) problems.push(`${at}: unknown field ${p}`);
      }
      if (isDeny && el.toFQDNs)
        problems.push(`${at}: deny rules cannot use toFQDNs`);
      if (el.icmps && el.toPorts)
        problems.push(`${at}: icmps cannot be combined with toPorts`);
      for (const sel of [
        ...(el.fromEndpoints ?? []),
        ...(el.toEndpoints ?? []),
      ]) {
        checkSelectorSyntax(sel, at, problems);
      }
      for (const e of [...(el.fromEntities ?? []), ...(el.toEntities ?? [])]) {
        if (!ENTITIES.includes(e))
          problems.push(`${at}: unknown entity "${e}"`);
      }
      for (const c of [...(el.fromCIDR ?? []), ...(el.toCIDR ?? [])]) {
        if (!parseCidr(c)) problems.push(`${at}: malformed CIDR "${c}"`);
      }
      for (const set of [...(el.fromCIDRSet ?? []), ...(el.toCIDRSet ?? [])]) {
        if (set.cidr === undefined) continue; // cidrGroupRef / cidrGroupSelector
        if (!parseCidr(set.cidr))
          problems.push(`${at}: malformed CIDR "${set.cidr}"`);
        for (const ex of set.except ?? []) {
          if (!cidrContains(set.cidr, ex))
            problems.push(`${at}: except ${ex} is not inside ${set.cidr}`);
        }
      }
      for (const f of el.toFQDNs ?? []) {
        if (Boolean(f.matchName) === Boolean(f.matchPattern)) {
          problems.push(
            `${at}: toFQDNs item needs exactly one of matchName/matchPattern`,
          );
        }
        if (f.matchName && !FQDN.test(String(f.matchName).replace(/\.$/, ''))) {
          problems.push(`${at}: invalid matchName "${f.matchName}"`);
        }
      }
      for (const [tpIdx, tp] of (el.toPorts ?? []).entries()) {
        const tat = `${at}.toPorts[${tpIdx}]`;
        const ports = tp.ports ?? [];
        if (ports.length > 40) problems.push(`${tat}: more than 40 ports`);
        for (const p of ports) {
          const port = String(p.port ?? '0');
          const numeric = /^\d+$/.test(port);
          if (numeric ? Number(port) > 65535 : !PORT_NAME.test(port)) {
            problems.push(`${tat}: invalid port "${port}"`);
          }
          if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) {
            problems.push(`${tat}: invalid protocol "${p.protocol}"`);
          }
        }
        const rules = tp.rules;
        if (!rules) continue;
        if (isDeny) problems.push(`${tat}: deny rules cannot carry L7 rules`);
        const l7 = ['http', 'kafka', 'dns', 'l7proto'].filter(
          k => rules[k] !== undefined,
        );
        if (l7.length !== 1)
          problems.push(`${tat}: exactly one L7 rule type per toPorts element`);
        if (rules.dns) {
          if (isIngress) problems.push(`${tat}: DNS rules are egress-only`);
          for (const d of rules.dns) {
            if (Boolean(d.matchName) === Boolean(d.matchPattern)) {
              problems.push(
                `${tat}: dns item needs exactly one of matchName/matchPattern`,
              );
            }
          }
          if (
            ports.some(
              (p: any) =>
                p.endPort !== undefined || String(p.port ?? '0') === '0',
            )
          ) {
            problems.push(`${tat}: DNS rules need a single, non-zero port`);
          }
        } else if (
          ports.some(
            (p: any) =>
              (p.protocol ?? 'ANY') !== 'TCP' || String(p.port ?? '0') === '0',
          )
        ) {
          problems.push(`${tat}: L7 rules need TCP ports other than 0`);
        }
        for (const h of rules.http ?? []) {
          if (h.path !== undefined && !String(h.path).startsWith('/')) {
            problems.push(`${tat}: HTTP path "${h.path}" must start with "/"`);
          }
        }
      }
    });
  }
}

const ciliumRules = (obj: any): any[] => [
  ...(obj.spec ? [obj.spec] : []),
  ...(Array.isArray(obj.specs) ? obj.specs : []),
];

const POLICY_KINDS = [
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
  'NetworkPolicy',
];
const policyId = (d: Doc) =>
  `${d.obj.kind} ${
    d.obj.metadata?.namespace ? `${d.obj.metadata.namespace}/` : ''
  }${d.obj.metadata?.name} (${rel(d.file)})`;

const isEmptySelector = (sel: any) =>
  sel !== undefined &&
  sel !== null &&
  Object.keys(sel.matchLabels ?? {}).length === 0 &&
  (sel.matchExpressions ?? []).length === 0;

/**
 * Which directions an object puts EVERY pod of `ns` into default deny with.
 * Recognises a CNP rule with `endpointSelector: {}` and a section for the
 * direction (with enableDefaultDeny not switched off), and a Kubernetes
 * NetworkPolicy with `podSelector: {}` and the direction in policyTypes.
 */
function defaultDenyDirections(obj: any): Set<'ingress' | 'egress'> {
  const dirs = new Set<'ingress' | 'egress'>();
  if (obj.kind === 'CiliumNetworkPolicy') {
    for (const rule of ciliumRules(obj)) {
      if (!isEmptySelector(rule.endpointSelector)) continue;
      if (
        (rule.ingress || rule.ingressDeny) &&
        rule.enableDefaultDeny?.ingress !== false
      ) {
        dirs.add('ingress');
      }
      if (
        (rule.egress || rule.egressDeny) &&
        rule.enableDefaultDeny?.egress !== false
      ) {
        dirs.add('egress');
      }
    }
  } else if (
    obj.kind === 'NetworkPolicy' &&
    isEmptySelector(obj.spec?.podSelector)
  ) {
    const types: string[] =
      obj.spec.policyTypes ??
      (obj.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    if (types.includes('Ingress')) dirs.add('ingress');
    if (types.includes('Egress')) dirs.add('egress');
  }
  return dirs;
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('sample catalog (examples/catalog)', () => {
  it('is registered through all.yaml, which targets every catalog file', () => {
    const problems: string[] = [];
    const locations = byKind('Location');
    const all = locations.find(l => path.basename(l.file) === 'all.yaml');
    if (!all)
      throw new Error('examples/catalog/all.yaml must hold a Location entity');
    const targets = new Set<string>();
    for (const l of locations) {
      const spec = l.entity.spec as any;
      for (const t of [
        ...(spec.targets ?? []),
        ...(spec.target ? [spec.target] : []),
      ]) {
        if (/^\w+:\/\//.test(t) || path.isAbsolute(t)) {
          problems.push(
            `${describeEntity(l)}: target ${t} must be a relative path`,
          );
          continue;
        }
        const target = path.resolve(path.dirname(l.file), t);
        if (!fs.existsSync(target))
          problems.push(`${describeEntity(l)}: target ${t} does not exist`);
        targets.add(target);
      }
    }
    for (const file of listYaml(CATALOG_DIR)) {
      if (file !== all.file && !targets.has(file)) {
        problems.push(
          `${rel(
            file,
          )} is not a target of any Location (it would never be loaded)`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('has only valid entities', async () => {
    const policy = EntityPolicies.allOf([
      new DefaultNamespaceEntityPolicy(),
      new FieldFormatEntityPolicy(),
      new NoForeignRootFieldsEntityPolicy(),
      new SchemaValidEntityPolicy(),
    ]);
    const validators: KindValidator[] = [
      apiEntityV1alpha1Validator,
      componentEntityV1alpha1Validator,
      domainEntityV1alpha1Validator,
      groupEntityV1alpha1Validator,
      locationEntityV1alpha1Validator,
      resourceEntityV1alpha1Validator,
      systemEntityV1alpha1Validator,
      userEntityV1alpha1Validator,
    ];
    const problems: string[] = [];
    for (const e of entities) {
      try {
        const out = await policy.enforce(JSON.parse(JSON.stringify(e.entity)));
        if (!out) throw new Error('rejected by the entity policies');
        let known = false;
        for (const v of validators) {
          if (await v.check(out)) known = true;
        }
        if (!known)
          throw new Error(`no validator accepts kind ${e.entity.kind}`);
      } catch (error) {
        problems.push(`${describeEntity(e)}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has no duplicate entities', () => {
    const seen = new Map<string, string>();
    const problems: string[] = [];
    for (const e of entities) {
      if (seen.has(e.ref))
        problems.push(
          `${e.ref} is defined in ${seen.get(e.ref)} and ${rel(e.file)}`,
        );
      seen.set(e.ref, rel(e.file));
    }
    expect(problems).toEqual([]);
  });

  it('has every relation resolve to an entity in the sample catalog', () => {
    // field -> default kind when the reference omits it
    const fields: Array<[string, string | undefined]> = [
      ['owner', 'group'],
      ['system', 'system'],
      ['domain', 'domain'],
      ['subcomponentOf', 'component'],
      ['dependsOn', undefined],
      ['dependencyOf', undefined],
      ['partOf', undefined],
      ['providesApis', 'api'],
      ['consumesApis', 'api'],
      ['memberOf', 'group'],
      ['parent', 'group'],
      ['children', 'group'],
    ];
    const problems: string[] = [];
    for (const e of entities) {
      const spec = (e.entity.spec ?? {}) as Record<string, unknown>;
      for (const [field, defaultKind] of fields) {
        const value = spec[field];
        if (value === undefined) continue;
        for (const r of (Array.isArray(value) ? value : [value]) as string[]) {
          try {
            const target = stringifyEntityRef(
              parseEntityRef(r, {
                defaultKind,
                defaultNamespace: e.entity.metadata.namespace ?? 'default',
              }),
            );
            if (!entityByRef.has(target)) {
              problems.push(
                `${describeEntity(
                  e,
                )}: spec.${field} ${r} -> ${target} does not exist`,
              );
            }
          } catch (error) {
            problems.push(
              `${describeEntity(e)}: spec.${field} ${r}: ${
                (error as Error).message
              }`,
            );
          }
        }
      }
    }
    // Group hierarchy is declared on both sides; they must agree.
    for (const g of byKind('Group')) {
      const spec = g.entity.spec as any;
      for (const child of spec.children ?? []) {
        const c = entityByRef.get(
          stringifyEntityRef(parseEntityRef(child, { defaultKind: 'group' })),
        );
        if (c && (c.entity.spec as any).parent !== g.ref) {
          problems.push(
            `${describeEntity(
              g,
            )} lists child ${child}, whose spec.parent is not ${g.ref}`,
          );
        }
      }
      if (spec.parent) {
        const p = entityByRef.get(
          stringifyEntityRef(
            parseEntityRef(spec.parent, { defaultKind: 'group' }),
          ),
        );
        if (p && !((p.entity.spec as any).children ?? []).includes(g.ref)) {
          problems.push(
            `${describeEntity(g)} has parent ${
              spec.parent
            }, which does not list it as a child`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has the organisation the demo needs', () => {
    const problems: string[] = [];
    const teams = byKind('Group').filter(
      g => (g.entity.spec as any).type === 'team',
    );
    if (teams.length < 4)
      problems.push(`expected at least 4 teams, found ${teams.length}`);
    if (!entityByRef.has('group:default/platform-team'))
      problems.push('group platform-team is missing');
    const users = byKind('User');
    for (const t of teams) {
      const spec = t.entity.spec as any;
      if (!Array.isArray(spec.children) || spec.children.length) {
        problems.push(`${describeEntity(t)}: a team has spec.children: []`);
      }
      if (!spec.profile?.displayName || !spec.profile?.email) {
        problems.push(
          `${describeEntity(t)}: needs profile.displayName and profile.email`,
        );
      }
      const members = users.filter(u =>
        ((u.entity.spec as any).memberOf ?? []).includes(t.ref),
      );
      if (members.length < 2 || members.length > 3) {
        problems.push(
          `${describeEntity(t)}: expected 2-3 members, found ${members.length}`,
        );
      }
    }
    for (const u of users) {
      const spec = u.entity.spec as any;
      if (!spec.memberOf?.length)
        problems.push(`${describeEntity(u)}: is in no group`);
      if (!spec.profile?.displayName || !spec.profile?.email) {
        problems.push(
          `${describeEntity(u)}: needs profile.displayName and profile.email`,
        );
      }
    }
    if (!users.some(u => ((u.entity.spec as any).memberOf ?? []).length >= 2)) {
      problems.push('expected at least one user who is a member of two teams');
    }
    expect(problems).toEqual([]);
  });

  it('has systems, production services across namespaces, and external resources', () => {
    const problems: string[] = [];
    if (byKind('System').length < 2)
      problems.push('expected at least 2 systems');
    const services = byKind('Component').filter(c => {
      const spec = c.entity.spec as any;
      return (
        ['service', 'website'].includes(spec.type) &&
        spec.lifecycle === 'production'
      );
    });
    if (services.length < 12)
      problems.push(
        `expected at least 12 production services/websites, found ${services.length}`,
      );
    for (const c of byKind('Component')) {
      const spec = c.entity.spec as any;
      if (!String(spec.owner).startsWith('group:default/')) {
        problems.push(
          `${describeEntity(c)}: owner must be a group ref, got ${spec.owner}`,
        );
      }
      if (!spec.system) problems.push(`${describeEntity(c)}: has no system`);
    }
    const namespaces = new Set(
      annotatedComponents.map(
        c => c.entity.metadata.annotations![K8S_NAMESPACE],
      ),
    );
    SYSTEM_NAMESPACES.forEach(ns => namespaces.delete(ns));
    if (namespaces.size < 4)
      problems.push(
        `expected components in at least 4 application namespaces, found ${namespaces.size}`,
      );
    const unannotated = byKind('Component').filter(
      c =>
        !Object.keys(c.entity.metadata.annotations ?? {}).some(k =>
          k.startsWith('backstage.io/kubernetes-'),
        ),
    );
    if (unannotated.length < 1)
      problems.push(
        'expected one component without Kubernetes annotations (empty Network tab)',
      );
    const styles = new Set(
      annotatedComponents.map(c =>
        c.entity.metadata.annotations![K8S_SELECTOR] ? 'selector' : 'id',
      ),
    );
    if (styles.size < 2)
      problems.push(
        'expected both kubernetes-label-selector and kubernetes-id components',
      );
    const resources = byKind('Resource').map(
      r => r.entity.metadata.annotations ?? {},
    );
    if (!resources.some(a => a[CILIUM_FQDN]))
      problems.push(`expected a Resource with ${CILIUM_FQDN}`);
    if (!resources.some(a => a[CILIUM_CIDR]))
      problems.push(`expected a Resource with ${CILIUM_CIDR}`);
    expect(problems).toEqual([]);
  });

  it('has well-formed external-dependency annotations on resources', () => {
    const problems: string[] = [];
    for (const r of byKind('Resource')) {
      const a = r.entity.metadata.annotations ?? {};
      if (a[CILIUM_FQDN] !== undefined) {
        const name = a[CILIUM_FQDN];
        // A leading "*." label is allowed (a toFQDNs matchPattern).
        if (!FQDN.test(name.replace(/^\*\./, ''))) {
          problems.push(
            `${describeEntity(
              r,
            )}: ${CILIUM_FQDN} "${name}" is not a lower-case DNS name`,
          );
        }
      }
      if (a[CILIUM_CIDR] !== undefined) {
        for (const cidr of a[CILIUM_CIDR].split(',').map(s => s.trim())) {
          if (!parseCidr(cidr)) {
            problems.push(
              `${describeEntity(
                r,
              )}: ${CILIUM_CIDR} "${cidr}" is not an IPv4 CIDR without host bits`,
            );
          } else if (!DOCUMENTATION_RANGES.some(d => cidrContains(d, cidr))) {
            problems.push(
              `${describeEntity(
                r,
              )}: ${CILIUM_CIDR} ${cidr} is not inside a documentation range (RFC 5737)`,
            );
          }
        }
      }
      if (a[CILIUM_FQDN] !== undefined && a[CILIUM_CIDR] !== undefined) {
        problems.push(
          `${describeEntity(r)}: has both ${CILIUM_FQDN} and ${CILIUM_CIDR}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('sample cluster (examples/cluster)', () => {
  it('has one file per namespace, with its Namespace manifest and only its objects', () => {
    const problems: string[] = [];
    for (const file of listYaml(CLUSTER_DIR)) {
      const docs = clusterDocs.filter(d => d.file === file);
      const nsDocs = docs.filter(d => d.obj.kind === 'Namespace');
      const expected = path.basename(file).replace(/\.ya?ml$/, '');
      if (nsDocs.length !== 1 || nsDocs[0].obj.metadata?.name !== expected) {
        problems.push(
          `${rel(file)}: must contain exactly one Namespace, named ${expected}`,
        );
      }
      for (const d of docs) {
        if (
          d.obj.kind !== 'Namespace' &&
          d.obj.metadata?.namespace !== expected
        ) {
          problems.push(
            `${rel(file)}: ${d.obj.kind} ${
              d.obj.metadata?.name
            } must be in namespace ${expected}`,
          );
        }
      }
    }
    for (const d of namespaceManifests) {
      const name = d.obj.metadata.name;
      const labels = d.obj.metadata.labels ?? {};
      if (labels['kubernetes.io/metadata.name'] !== name) {
        problems.push(
          `${rel(
            d.file,
          )}: Namespace ${name} needs label kubernetes.io/metadata.name: ${name}`,
        );
      }
      if (!labels.team || !labels.tier)
        problems.push(
          `${rel(d.file)}: Namespace ${name} needs team and tier labels`,
        );
      if (labels.team && !entityByRef.has(`group:default/${labels.team}`)) {
        problems.push(
          `${rel(d.file)}: Namespace ${name} label team=${
            labels.team
          } is not a catalog group`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('has consistent workloads: selectors match their pod templates, ports are named', () => {
    const problems: string[] = [];
    for (const w of workloads) {
      const obj = clusterDocs.find(
        d =>
          d.file === w.file &&
          d.obj.kind === w.kind &&
          d.obj.metadata?.name === w.name,
      )!.obj;
      const selector =
        obj.kind === 'CronJob'
          ? obj.spec?.jobTemplate?.spec?.selector
          : obj.spec?.selector;
      if (
        ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(
          w.kind,
        ) &&
        !selector
      ) {
        problems.push(`${w.id}: has no spec.selector`);
      }
      if (selector && !matchSelector(selector, w.podLabels)) {
        problems.push(
          `${w.id}: spec.selector does not match its pod template labels`,
        );
      }
      if (!Object.keys(w.podLabels).length)
        problems.push(`${w.id}: pod template has no labels`);
      for (const k of ['app.kubernetes.io/name', 'app.kubernetes.io/part-of']) {
        if (!w.podLabels[k])
          problems.push(`${w.id}: pod template needs label ${k}`);
      }
      for (const [k, v] of Object.entries(w.podLabels)) {
        if (!isValidLabelKey(k) || !isValidLabelValue(String(v)))
          problems.push(`${w.id}: invalid label ${k}=${v}`);
      }
      if (!w.containers.length) problems.push(`${w.id}: has no containers`);
      for (const c of w.containers) {
        if (!c.image)
          problems.push(`${w.id}: container ${c.name} has no image`);
        for (const p of c.ports ?? []) {
          if (!p.name || !PORT_NAME.test(p.name)) {
            problems.push(
              `${w.id}: container ${c.name} port ${p.containerPort} needs a valid name (got ${p.name})`,
            );
          }
        }
      }
    }
    // Services must select pods and point at ports those pods declare.
    for (const d of clusterDocs.filter(x => x.obj.kind === 'Service')) {
      const ns = d.obj.metadata.namespace;
      const selected = workloads.filter(
        w =>
          w.namespace === ns &&
          matchSelector(
            { matchLabels: d.obj.spec?.selector ?? {} },
            w.podLabels,
          ),
      );
      const id = `Service ${ns}/${d.obj.metadata.name} (${rel(d.file)})`;
      if (!selected.length) problems.push(`${id}: selects no workload`);
      const names = namedPorts(selected);
      for (const p of d.obj.spec?.ports ?? []) {
        if (typeof p.targetPort === 'string' && !names.has(p.targetPort)) {
          problems.push(
            `${id}: targetPort ${p.targetPort} is not a named port of the selected pods`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has a Namespace manifest for every namespace a component uses', () => {
    const problems = annotatedComponents
      .filter(
        c =>
          !namespaceLabels.has(c.entity.metadata.annotations![K8S_NAMESPACE]),
      )
      .map(
        c =>
          `${describeEntity(c)}: namespace ${
            c.entity.metadata.annotations![K8S_NAMESPACE]
          } has no Namespace manifest in examples/cluster`,
      );
    expect(problems).toEqual([]);
  });

  it('has at least one workload for every annotated component', () => {
    const problems: string[] = [];
    for (const c of byKind('Component')) {
      const a = c.entity.metadata.annotations ?? {};
      const selector = componentSelector(c.entity);
      if (selector === undefined) continue;
      if (!a[K8S_NAMESPACE]) {
        problems.push(
          `${describeEntity(c)}: has a selector but no ${K8S_NAMESPACE}`,
        );
        continue;
      }
      let matches: (l: Labels) => boolean;
      try {
        matches = parseLabelSelector(selector);
      } catch (error) {
        problems.push(`${describeEntity(c)}: ${(error as Error).message}`);
        continue;
      }
      const found = workloads.filter(
        w => w.namespace === a[K8S_NAMESPACE] && matches(w.podLabels),
      );
      if (!found.length) {
        problems.push(
          `${describeEntity(c)}: no workload in namespace ${
            a[K8S_NAMESPACE]
          } has pod labels matching "${selector}"`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('has every workload claimed by exactly one component (kube-system included)', () => {
    const problems: string[] = [];
    for (const w of workloads) {
      const claims = claimsOf(w);
      if (claims.length !== 1) {
        problems.push(
          `${w.id}: claimed by ${claims.length} components${
            claims.length ? ` (${claims.map(c => c.ref).join(', ')})` : ''
          }, expected exactly one`,
        );
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('sample policies (examples/gitops/policies)', () => {
  it('keeps namespaced policies in policies/<namespace>/ and cluster-wide ones in policies/cluster/', () => {
    const problems: string[] = [];
    for (const d of policyDocs) {
      const dir = path.relative(POLICIES_DIR, path.dirname(d.file));
      const id = policyId(d);
      if (!POLICY_KINDS.includes(d.obj.kind)) {
        problems.push(`${id}: unexpected kind ${d.obj.kind}`);
        continue;
      }
      if (d.obj.kind === 'CiliumClusterwideNetworkPolicy') {
        if (dir !== 'cluster')
          problems.push(
            `${id}: cluster-wide policies belong in policies/cluster/`,
          );
        if (d.obj.metadata?.namespace)
          problems.push(`${id}: a cluster-wide policy has no namespace`);
      } else {
        if (d.obj.metadata?.namespace !== dir) {
          problems.push(
            `${id}: metadata.namespace must be "${dir}" (its directory)`,
          );
        }
        if (!namespaceLabels.has(dir))
          problems.push(
            `${id}: namespace ${dir} has no Namespace manifest in examples/cluster`,
          );
      }
      const expectedApi =
        d.obj.kind === 'NetworkPolicy'
          ? 'networking.k8s.io/v1'
          : 'cilium.io/v2';
      if (d.obj.apiVersion !== expectedApi)
        problems.push(`${id}: apiVersion must be ${expectedApi}`);
      if (!d.obj.metadata?.name)
        problems.push(`${rel(d.file)}: an object has no metadata.name`);
    }
    const names = new Map<string, string>();
    for (const d of policyDocs) {
      const key = `${d.obj.kind}/${d.obj.metadata?.namespace ?? ''}/${
        d.obj.metadata?.name
      }`;
      if (names.has(key))
        problems.push(`${policyId(d)}: duplicate of one in ${names.get(key)}`);
      names.set(key, rel(d.file));
    }
    expect(problems).toEqual([]);
  });

  it('puts every application namespace under default deny, in both directions', () => {
    const problems: string[] = [];
    for (const ns of applicationNamespaces) {
      const dirs = new Set<string>();
      for (const d of policyDocs.filter(
        x => x.obj.metadata?.namespace === ns,
      )) {
        defaultDenyDirections(d.obj).forEach(x => dirs.add(x));
      }
      for (const dir of ['ingress', 'egress']) {
        if (!dirs.has(dir)) {
          problems.push(
            `namespace ${ns}: no default-deny policy for ${dir} in examples/gitops/policies/${ns}/`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has structurally valid Cilium rules (CRD and agent sanitiser rules)', () => {
    const problems: string[] = [];
    for (const d of policyDocs.filter(x => x.obj.kind !== 'NetworkPolicy')) {
      const rules = ciliumRules(d.obj);
      if (!rules.length) problems.push(`${policyId(d)}: needs spec or specs`);
      rules.forEach((rule, i) =>
        checkCiliumRule(rule, d.obj.kind, `${policyId(d)} rule ${i}`, problems),
      );
    }
    expect(problems).toEqual([]);
  });

  it('has exactly one cluster-wide policy, DNS through the proxy to kube-dns', () => {
    const ccnps = policyDocs.filter(
      d => d.obj.kind === 'CiliumClusterwideNetworkPolicy',
    );
    expect(ccnps.map(policyId)).toHaveLength(1);
    const egress = ciliumRules(ccnps[0].obj).flatMap(r => r.egress ?? []);
    const dnsRule = egress.find((e: any) =>
      (e.toPorts ?? []).some((tp: any) =>
        (tp.rules?.dns ?? []).some((x: any) => x.matchPattern === '*'),
      ),
    );
    if (!dnsRule)
      throw new Error(
        `${policyId(
          ccnps[0],
        )}: needs an egress rule with rules.dns matchPattern "*"`,
      );
    const kubeDns = (dnsRule.toEndpoints ?? []).flatMap((s: any) =>
      selectWorkloads(s, undefined, 'peer'),
    );
    expect(kubeDns.map((w: Workload) => `${w.namespace}/${w.name}`)).toEqual([
      'kube-system/coredns',
    ]);
  });

  it('selects existing workloads, as subjects and as peers, and uses ports they declare', () => {
    const problems: string[] = [];
    for (const d of policyDocs) {
      const obj = d.obj;
      const id = policyId(d);
      const ns: string | undefined =
        obj.kind === 'CiliumClusterwideNetworkPolicy'
          ? undefined
          : obj.metadata?.namespace;
      if (obj.kind === 'NetworkPolicy') {
        const subjects = workloads.filter(
          w =>
            w.namespace === ns &&
            matchSelector(obj.spec?.podSelector ?? {}, w.podLabels),
        );
        if (!subjects.length)
          problems.push(`${id}: podSelector selects no workload in ${ns}`);
        for (const [section, peerField] of [
          ['ingress', 'from'],
          ['egress', 'to'],
        ] as const) {
          (obj.spec?.[section] ?? []).forEach((el: any, i: number) => {
            const peers = (el[peerField] ?? []).filter((p: any) => !p.ipBlock);
            const peerWorkloads = peers.flatMap((p: any) => {
              const found = selectKnpPeer(p, ns!);
              if (!found.length)
                problems.push(
                  `${id}: ${section}[${i}] peer ${JSON.stringify(
                    p,
                  )} selects no workload`,
                );
              return found;
            });
            const portOwners = section === 'ingress' ? subjects : peerWorkloads;
            const names = namedPorts(portOwners);
            for (const p of el.ports ?? []) {
              if (typeof p.port === 'string' && !names.has(p.port)) {
                problems.push(
                  `${id}: ${section}[${i}] named port "${
                    p.port
                  }" is not declared by the ${
                    section === 'ingress' ? 'selected pods' : 'peer pods'
                  }`,
                );
              }
            }
          });
        }
        continue;
      }
      ciliumRules(obj).forEach((rule: any, r: number) => {
        const at = `${id} rule ${r}`;
        if (!rule.endpointSelector) return;
        const subjects = selectWorkloads(rule.endpointSelector, ns, 'subject');
        if (!subjects.length)
          problems.push(`${at}: endpointSelector selects no workload`);
        for (const section of SECTIONS) {
          (rule[section] ?? []).forEach((el: any, i: number) => {
            const peerSelectors = el.fromEndpoints ?? el.toEndpoints ?? [];
            const peerWorkloads = peerSelectors.flatMap((s: any) => {
              const found = selectWorkloads(s, ns, 'peer');
              if (!found.length)
                problems.push(
                  `${at}: ${section}[${i}] peer ${JSON.stringify(
                    s,
                  )} selects no workload`,
                );
              return found;
            });
            const isIngress = section.startsWith('ingress');
            const names = namedPorts(isIngress ? subjects : peerWorkloads);
            for (const tp of el.toPorts ?? []) {
              for (const p of tp.ports ?? []) {
                const port = String(p.port ?? '0');
                if (/^\d+$/.test(port)) continue;
                if (!isIngress && !el.toEndpoints) {
                  problems.push(
                    `${at}: ${section}[${i}] named port "${port}" cannot resolve for a non-endpoint peer`,
                  );
                } else if (!names.has(port)) {
                  problems.push(
                    `${at}: ${section}[${i}] named port "${port}" is not declared by the ${
                      isIngress ? 'selected pods' : 'peer pods'
                    }`,
                  );
                }
              }
            }
          });
        }
      });
    }
    expect(problems).toEqual([]);
  });

  it('only reaches external peers that the catalog describes as Resources', () => {
    const fqdns = new Set(
      byKind('Resource')
        .map(r => r.entity.metadata.annotations?.[CILIUM_FQDN])
        .filter(Boolean),
    );
    const cidrs = byKind('Resource')
      .flatMap(r =>
        (r.entity.metadata.annotations?.[CILIUM_CIDR] ?? '').split(','),
      )
      .map(s => s.trim())
      .filter(Boolean);
    const problems: string[] = [];
    for (const d of policyDocs.filter(x => x.obj.kind !== 'NetworkPolicy')) {
      for (const rule of ciliumRules(d.obj)) {
        for (const el of [...(rule.egress ?? []), ...(rule.ingress ?? [])]) {
          for (const f of el.toFQDNs ?? []) {
            const name = String(f.matchName ?? f.matchPattern).replace(
              /\.$/,
              '',
            );
            if (!fqdns.has(name))
              problems.push(
                `${policyId(
                  d,
                )}: toFQDNs ${name} has no Resource with ${CILIUM_FQDN}: ${name}`,
              );
          }
          const ranges = [
            ...(el.toCIDR ?? []),
            ...(el.fromCIDR ?? []),
            ...[...(el.toCIDRSet ?? []), ...(el.fromCIDRSet ?? [])]
              .map((s: any) => s.cidr)
              .filter(Boolean),
          ];
          for (const c of ranges) {
            if (!cidrs.some(rc => cidrContains(rc, c))) {
              problems.push(
                `${policyId(
                  d,
                )}: CIDR ${c} is not inside any Resource's ${CILIUM_CIDR}`,
              );
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
