/*
 * Consistency checks for the sample world in examples/: the catalog
 * (examples/catalog), the cluster it describes (examples/cluster) and the
 * policies the cluster runs (examples/gitops/policies).
 *
 * The world is loaded the one way the stand-in loads it (the stand-in's
 * catalog loader, the policy engine's manifest loader) and every policy and
 * selector question is answered by the policy engine: its parser and
 * sanitiser, its lint, its label selectors and its connectivity. Catalog
 * questions are answered by @backstage/catalog-model. Failures name the file
 * and the entity or object that is wrong.
 */
import fs from 'fs';
import path from 'path';
import { parseAllDocuments } from 'yaml';
import type { Entity, KindValidator } from '@backstage/catalog-model';
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
import {
  ANNOTATION_CILIUM_CIDR,
  ANNOTATION_CILIUM_FQDN,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  ANNOTATION_KUBERNETES_NAMESPACE,
  getWorkloadIdentity,
  matchesLabelSelector,
} from '@cilium-zero-trust/plugin-cilium-common';
import {
  compileDnsPattern,
  dnsCovers,
  formatRange,
  isValidLabelKey,
  isValidLabelValue,
  labelsMatch,
  lint,
  listManifestFiles,
  loadDirectory,
  parseAddress,
  parseCidr,
  PolicyEngine,
  rangeInside,
  requirementsOf,
} from '@cilium-zero-trust/cilium-policy-engine';
import type {
  IpRange,
  LabelSelectorObject,
  Workload,
} from '@cilium-zero-trust/cilium-policy-engine';
import {
  catalogEntityRef,
  loadCatalogEntities,
} from '@cilium-zero-trust/hubble-relay-sim';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const CATALOG_DIR = path.join(EXAMPLES, 'catalog');
const CLUSTER_DIR = path.join(EXAMPLES, 'cluster');
const POLICIES_DIR = path.join(EXAMPLES, 'gitops', 'policies');
const rel = (file: string) =>
  path.relative(path.resolve(EXAMPLES, '..'), path.resolve(file));

// --- the catalog, per file (so that failures can name the file) ------------

const catalogFiles = listManifestFiles(CATALOG_DIR).map(file => ({
  file,
  entities: loadCatalogEntities(file),
}));
const entities = catalogFiles.flatMap(({ file, entities: list }) =>
  list.map(entity => ({ file, entity, ref: catalogEntityRef(entity) })),
);
const entityByRef = new Map(entities.map(e => [e.ref, e]));
const byKind = (kind: string) => entities.filter(e => e.entity.kind === kind);
const describeEntity = (e: { file: string; ref: string }) =>
  `${e.ref} (${rel(e.file)})`;
const annotations = (e: { entity: Entity }) =>
  e.entity.metadata.annotations ?? {};

// --- the cluster and its policies, through the engine ----------------------

const inventory = loadDirectory([POLICIES_DIR, CLUSTER_DIR]);
const engine = new PolicyEngine(inventory, { clusterName: 'dev' });
const workloads = engine.workloads;
const namespaces = new Map(inventory.namespaces.map(n => [n.name, n]));
const SYSTEM_NAMESPACES = ['kube-system'];
const applicationNamespaces = [...namespaces.keys()].filter(
  n => !SYSTEM_NAMESPACES.includes(n),
);

/** The raw cluster manifests, for what the engine does not keep (layout, spec.selector, containers). */
const clusterDocs = listManifestFiles(CLUSTER_DIR).flatMap(file =>
  parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map(d => d.toJS())
    .filter(obj => obj?.kind)
    .map(obj => ({ file, obj })),
);

const annotatedComponents = byKind('Component').filter(
  c => annotations(c)[ANNOTATION_KUBERNETES_NAMESPACE],
);

function identityOf(c: { entity: Entity }) {
  const id = getWorkloadIdentity(c.entity, { defaultCluster: 'dev' });
  return id.ok ? id.identity : undefined;
}

function claimsOf(w: Workload) {
  return annotatedComponents.filter(c => {
    const id = identityOf(c);
    return (
      id?.namespace === w.namespace &&
      matchesLabelSelector(id.requirements, w.labels)
    );
  });
}

/** RFC 5737 documentation ranges: the only "public" addresses the sample world may use. */
const DOCUMENTATION_RANGES = [
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
].map(parseCidr);

/** A lower-case DNS name (checked label by label, no backtracking). */
function isDnsName(name: string): boolean {
  const labels = name.split('.');
  return (
    name.length <= 253 &&
    labels.length >= 2 &&
    labels.every(
      l => l.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(l),
    )
  );
}

/** IANA service name, the syntax of named container ports. */
function isPortName(name: string | undefined): boolean {
  return (
    !!name &&
    name.length <= 15 &&
    /[a-z]/.test(name) &&
    /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)
  );
}

/** A CIDR annotation: parsed as the engine parses policies, with no host bits. */
function cidrAnnotation(text: string): IpRange | undefined {
  try {
    const range = parseCidr(text);
    const address = parseAddress(text.split('/')[0]);
    return address.value === range.start ? range : undefined;
  } catch {
    return undefined;
  }
}

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
    for (const { file } of catalogFiles) {
      if (file !== all.file && !targets.has(path.resolve(file))) {
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
    for (const { file } of catalogFiles) {
      // the loader keeps the last of a duplicate within a file; count documents
      const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'))
        .map(d => d.toJS() as Entity | null)
        .filter((e): e is Entity => !!e?.kind && !!e.metadata?.name);
      for (const e of docs) {
        const ref = catalogEntityRef(e);
        if (seen.has(ref))
          problems.push(
            `${ref} is defined in ${seen.get(ref)} and ${rel(file)}`,
          );
        seen.set(ref, rel(file));
      }
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
    const resolve = (r: string, defaultKind?: string) =>
      stringifyEntityRef(
        parseEntityRef(r, { defaultKind, defaultNamespace: 'default' }),
      );
    for (const e of entities) {
      const spec = (e.entity.spec ?? {}) as Record<string, unknown>;
      for (const [field, defaultKind] of fields) {
        const value = spec[field];
        if (value === undefined) continue;
        for (const r of (Array.isArray(value) ? value : [value]) as string[]) {
          try {
            const target = resolve(r, defaultKind);
            if (!entityByRef.has(target))
              problems.push(
                `${describeEntity(
                  e,
                )}: spec.${field} ${r} -> ${target} does not exist`,
              );
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
        const c = entityByRef.get(resolve(child, 'group'));
        if (c && (c.entity.spec as any).parent !== g.ref)
          problems.push(
            `${describeEntity(
              g,
            )} lists child ${child}, whose spec.parent is not ${g.ref}`,
          );
      }
      if (spec.parent) {
        const p = entityByRef.get(resolve(spec.parent, 'group'));
        if (p && !((p.entity.spec as any).children ?? []).includes(g.ref))
          problems.push(
            `${describeEntity(g)} has parent ${
              spec.parent
            }, which does not list it as a child`,
          );
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
      if (!Array.isArray(spec.children) || spec.children.length)
        problems.push(`${describeEntity(t)}: a team has spec.children: []`);
      if (!spec.profile?.displayName || !spec.profile?.email)
        problems.push(
          `${describeEntity(t)}: needs profile.displayName and profile.email`,
        );
      const members = users.filter(u =>
        ((u.entity.spec as any).memberOf ?? []).includes(t.ref),
      );
      if (members.length < 2 || members.length > 3)
        problems.push(
          `${describeEntity(t)}: expected 2-3 members, found ${members.length}`,
        );
    }
    for (const u of users) {
      const spec = u.entity.spec as any;
      if (!spec.memberOf?.length)
        problems.push(`${describeEntity(u)}: is in no group`);
      if (!spec.profile?.displayName || !spec.profile?.email)
        problems.push(
          `${describeEntity(u)}: needs profile.displayName and profile.email`,
        );
    }
    if (!users.some(u => ((u.entity.spec as any).memberOf ?? []).length >= 2))
      problems.push('expected at least one user who is a member of two teams');
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
      if (!String(spec.owner).startsWith('group:default/'))
        problems.push(
          `${describeEntity(c)}: owner must be a group ref, got ${spec.owner}`,
        );
      if (!spec.system) problems.push(`${describeEntity(c)}: has no system`);
    }
    const used = new Set(
      annotatedComponents.map(
        c => annotations(c)[ANNOTATION_KUBERNETES_NAMESPACE],
      ),
    );
    SYSTEM_NAMESPACES.forEach(ns => used.delete(ns));
    if (used.size < 4)
      problems.push(
        `expected components in at least 4 application namespaces, found ${used.size}`,
      );
    if (
      !byKind('Component').some(
        c =>
          !Object.keys(annotations(c)).some(k =>
            k.startsWith('backstage.io/kubernetes-'),
          ),
      )
    )
      problems.push(
        'expected one component without Kubernetes annotations (empty Network tab)',
      );
    const styles = new Set(annotatedComponents.map(c => identityOf(c)?.source));
    if (!styles.has('label-selector') || !styles.has('kubernetes-id'))
      problems.push(
        'expected both kubernetes-label-selector and kubernetes-id components',
      );
    const resources = byKind('Resource').map(annotations);
    if (!resources.some(a => a[ANNOTATION_CILIUM_FQDN]))
      problems.push(`expected a Resource with ${ANNOTATION_CILIUM_FQDN}`);
    if (!resources.some(a => a[ANNOTATION_CILIUM_CIDR]))
      problems.push(`expected a Resource with ${ANNOTATION_CILIUM_CIDR}`);
    expect(problems).toEqual([]);
  });

  it('has well-formed external-dependency annotations on resources', () => {
    const problems: string[] = [];
    for (const r of byKind('Resource')) {
      const a = annotations(r);
      const fqdn = a[ANNOTATION_CILIUM_FQDN];
      // A leading "*." label is allowed (a toFQDNs matchPattern).
      if (fqdn !== undefined && !isDnsName(fqdn.replace(/^\*\./, '')))
        problems.push(
          `${describeEntity(
            r,
          )}: ${ANNOTATION_CILIUM_FQDN} "${fqdn}" is not a lower-case DNS name`,
        );
      for (const cidr of (a[ANNOTATION_CILIUM_CIDR] ?? '')
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)) {
        const range = cidrAnnotation(cidr);
        if (!range)
          problems.push(
            `${describeEntity(
              r,
            )}: ${ANNOTATION_CILIUM_CIDR} "${cidr}" is not a CIDR without host bits`,
          );
        else if (!DOCUMENTATION_RANGES.some(d => rangeInside(range, d)))
          problems.push(
            `${describeEntity(
              r,
            )}: ${ANNOTATION_CILIUM_CIDR} ${cidr} is not inside a documentation range (RFC 5737)`,
          );
      }
      if (fqdn !== undefined && a[ANNOTATION_CILIUM_CIDR] !== undefined)
        problems.push(
          `${describeEntity(
            r,
          )}: has both ${ANNOTATION_CILIUM_FQDN} and ${ANNOTATION_CILIUM_CIDR}`,
        );
    }
    expect(problems).toEqual([]);
  });
});

describe('sample cluster (examples/cluster)', () => {
  it('reads without diagnostics', () => {
    expect(
      inventory.diagnostics.map(d => `${d.file}:${d.line}: ${d.message}`),
    ).toEqual([]);
  });

  it('has one file per namespace, with its Namespace manifest and only its objects', () => {
    const problems: string[] = [];
    for (const file of listManifestFiles(CLUSTER_DIR)) {
      const docs = clusterDocs.filter(d => d.file === file);
      const nsDocs = docs.filter(d => d.obj.kind === 'Namespace');
      const expected = path.basename(file).replace(/\.ya?ml$/, '');
      if (nsDocs.length !== 1 || nsDocs[0].obj.metadata?.name !== expected)
        problems.push(
          `${rel(file)}: must contain exactly one Namespace, named ${expected}`,
        );
      for (const d of docs) {
        if (
          d.obj.kind !== 'Namespace' &&
          d.obj.metadata?.namespace !== expected
        )
          problems.push(
            `${rel(file)}: ${d.obj.kind} ${
              d.obj.metadata?.name
            } must be in namespace ${expected}`,
          );
      }
    }
    for (const ns of namespaces.values()) {
      if (!ns.labels.team || !ns.labels.tier)
        problems.push(`Namespace ${ns.name} needs team and tier labels`);
      if (ns.labels.team && !entityByRef.has(`group:default/${ns.labels.team}`))
        problems.push(
          `Namespace ${ns.name} label team=${ns.labels.team} is not a catalog group`,
        );
    }
    expect(problems).toEqual([]);
  });

  it('has consistent workloads: selectors match their pod templates, ports are named', () => {
    const problems: string[] = [];
    for (const w of workloads) {
      const obj = clusterDocs.find(
        d =>
          d.obj.kind === w.kind &&
          d.obj.metadata?.namespace === w.namespace &&
          d.obj.metadata?.name === w.name,
      )?.obj;
      const selector: LabelSelectorObject | undefined =
        obj?.kind === 'CronJob'
          ? obj?.spec?.jobTemplate?.spec?.selector
          : obj?.spec?.selector;
      if (
        ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(
          w.kind,
        ) &&
        !selector
      )
        problems.push(`${w.id}: has no spec.selector`);
      if (selector && !labelsMatch(requirementsOf(selector), w.labels))
        problems.push(
          `${w.id}: spec.selector does not match its pod template labels`,
        );
      for (const k of ['app.kubernetes.io/name', 'app.kubernetes.io/part-of']) {
        if (!w.labels[k])
          problems.push(`${w.id}: pod template needs label ${k}`);
      }
      for (const [k, v] of Object.entries(w.labels)) {
        if (!isValidLabelKey(k) || !isValidLabelValue(v))
          problems.push(`${w.id}: invalid label ${k}=${v}`);
      }
      for (const p of w.ports) {
        if (!isPortName(p.name))
          problems.push(
            `${w.id}: port ${p.port} needs a valid name (got ${p.name})`,
          );
      }
    }
    // Services must select pods and point at ports those pods declare.
    for (const s of inventory.services) {
      const selected = workloads.filter(
        w =>
          w.namespace === s.namespace &&
          labelsMatch(
            requirementsOf({ matchLabels: s.selector ?? {} }),
            w.labels,
          ),
      );
      const id = `Service ${s.namespace}/${s.name}`;
      if (!selected.length) problems.push(`${id}: selects no workload`);
      const doc = clusterDocs.find(
        d =>
          d.obj.kind === 'Service' &&
          d.obj.metadata?.namespace === s.namespace &&
          d.obj.metadata?.name === s.name,
      );
      const names = new Set(selected.flatMap(w => w.ports.map(p => p.name)));
      for (const p of doc?.obj.spec?.ports ?? []) {
        if (typeof p.targetPort === 'string' && !names.has(p.targetPort))
          problems.push(
            `${id}: targetPort ${p.targetPort} is not a named port of the selected pods`,
          );
      }
    }
    expect(problems).toEqual([]);
  });

  it('has a Namespace manifest for every namespace a component uses', () => {
    const problems = annotatedComponents
      .filter(
        c => !namespaces.has(annotations(c)[ANNOTATION_KUBERNETES_NAMESPACE]),
      )
      .map(
        c =>
          `${describeEntity(c)}: namespace ${
            annotations(c)[ANNOTATION_KUBERNETES_NAMESPACE]
          } has no Namespace manifest in examples/cluster`,
      );
    expect(problems).toEqual([]);
  });

  it('has at least one workload for every annotated component', () => {
    const problems: string[] = [];
    for (const c of annotatedComponents) {
      const id = getWorkloadIdentity(c.entity, { defaultCluster: 'dev' });
      if (!id.ok) {
        problems.push(`${describeEntity(c)}: ${id.message}`);
        continue;
      }
      const found = workloads.filter(
        w =>
          w.namespace === id.identity.namespace &&
          matchesLabelSelector(id.identity.requirements, w.labels),
      );
      if (!found.length)
        problems.push(
          `${describeEntity(c)}: no workload in namespace ${
            id.identity.namespace
          } has pod labels matching "${id.identity.selector}"`,
        );
    }
    for (const c of byKind('Component')) {
      const a = annotations(c);
      if (
        a[ANNOTATION_KUBERNETES_LABEL_SELECTOR] &&
        !a[ANNOTATION_KUBERNETES_NAMESPACE]
      )
        problems.push(
          `${describeEntity(
            c,
          )}: has a selector but no ${ANNOTATION_KUBERNETES_NAMESPACE}`,
        );
    }
    expect(problems).toEqual([]);
  });

  it('has every workload claimed by exactly one component (kube-system included)', () => {
    const problems: string[] = [];
    for (const w of workloads) {
      const claims = claimsOf(w);
      if (claims.length !== 1)
        problems.push(
          `${w.id}: claimed by ${claims.length} components${
            claims.length ? ` (${claims.map(c => c.ref).join(', ')})` : ''
          }, expected exactly one`,
        );
    }
    expect(problems).toEqual([]);
  });
});

describe('sample policies (examples/gitops/policies), through the policy engine', () => {
  it('parse and pass the CRD and sanitiser checks and every lint rule', () => {
    // lint reports refused documents, broad grants, empty sections, toFQDNs
    // without DNS, unresolved named ports, deny-only policies, and subjects or
    // endpoint peers that select no workload.
    expect(
      lint(engine).map(
        f => `${f.file}:${f.line} ${f.policy}: [${f.code}] ${f.message}`,
      ),
    ).toEqual([]);
    expect(inventory.policies.length).toBeGreaterThan(10);
  });

  it('keeps namespaced policies in policies/<namespace>/ and cluster-wide ones in policies/cluster/', () => {
    const problems: string[] = [];
    for (const p of inventory.policies) {
      const dir = path.relative(
        POLICIES_DIR,
        path.dirname(path.resolve(p.ref.file ?? '')),
      );
      const id = `${p.ref.kind} ${p.ref.namespace ?? ''}/${p.ref.name} (${
        p.ref.file
      })`;
      if (p.ref.kind === 'CiliumClusterwideNetworkPolicy') {
        if (dir !== 'cluster')
          problems.push(
            `${id}: cluster-wide policies belong in policies/cluster/`,
          );
      } else {
        if (p.ref.namespace !== dir)
          problems.push(
            `${id}: metadata.namespace must be "${dir}" (its directory)`,
          );
        if (!namespaces.has(dir))
          problems.push(
            `${id}: namespace ${dir} has no Namespace manifest in examples/cluster`,
          );
      }
    }
    expect(problems).toEqual([]);
  });

  it('puts every workload of an application namespace under default deny, in both directions', () => {
    const problems = engine
      .coverage()
      .filter(c => applicationNamespaces.includes(c.workload.namespace))
      .flatMap(c =>
        (['ingress', 'egress'] as const)
          .filter(d => !c[d].isolated)
          .map(d => `${c.workload.id}: not isolated for ${d}`),
      );
    expect(problems).toEqual([]);
  });

  it('has exactly one cluster-wide policy, which sends DNS through the proxy to kube-dns', () => {
    const ccnps = inventory.policies.filter(
      p => p.ref.kind === 'CiliumClusterwideNetworkPolicy',
    );
    expect(ccnps).toHaveLength(1);
    const problems: string[] = [];
    for (const w of workloads.filter(x =>
      applicationNamespaces.includes(x.namespace),
    )) {
      const v = engine.evaluate(w.id, 'kube-system/coredns', 53, 'UDP');
      if (!v.allowed) problems.push(`${w.id}: cannot reach kube-dns on UDP 53`);
      else if (
        !v.egress.l7.some(x => x.rule.kind === 'CiliumClusterwideNetworkPolicy')
      )
        problems.push(`${w.id}: DNS to kube-dns does not go through the proxy`);
    }
    expect(problems).toEqual([]);
  });

  it('only reaches external peers that the catalog describes as Resources', () => {
    const fqdns = byKind('Resource')
      .map(r => annotations(r)[ANNOTATION_CILIUM_FQDN])
      .filter((f): f is string => !!f)
      .map(compileDnsPattern);
    const cidrs = byKind('Resource')
      .flatMap(r => (annotations(r)[ANNOTATION_CILIUM_CIDR] ?? '').split(','))
      .map(s => s.trim())
      .filter(Boolean)
      .map(parseCidr);
    const problems = new Set<string>();
    for (const edge of engine.graph().edges) {
      if (edge.conn.isEmpty()) continue;
      // outside the application namespaces nothing is under default deny
      const inside = [edge.src, edge.dst].some(
        p =>
          p.type === 'workload' &&
          applicationNamespaces.includes(p.workload.namespace),
      );
      if (!inside) continue;
      for (const peer of [edge.src, edge.dst]) {
        if (
          peer.type === 'fqdn' &&
          !fqdns.some(f => dnsCovers(f, peer.pattern))
        )
          problems.add(
            `${edge.src.id} -> ${edge.dst.id}: ${peer.pattern} has no Resource with ${ANNOTATION_CILIUM_FQDN}`,
          );
        if (peer.type === 'external' && !cidrs.some(c => rangeInside(peer, c)))
          problems.add(
            `${edge.src.id} -> ${edge.dst.id}: ${formatRange(
              peer,
            )} is not inside any Resource's ${ANNOTATION_CILIUM_CIDR}`,
          );
      }
    }
    expect([...problems]).toEqual([]);
  });

  it("allows every call between workloads the catalog's dependsOn declares, except the known drops of examples/README.md", () => {
    const workloadsOf = (ref: string) => {
      const c = entityByRef.get(ref);
      const id = c && identityOf(c);
      return id
        ? workloads.filter(
            w =>
              w.namespace === id.namespace &&
              matchesLabelSelector(id.requirements, w.labels),
          )
        : [];
    };
    const missing: string[] = [];
    let checked = 0;
    for (const c of annotatedComponents) {
      for (const dep of ((c.entity.spec as any)?.dependsOn ?? []) as string[]) {
        const target = stringifyEntityRef(
          parseEntityRef(dep, {
            defaultKind: 'component',
            defaultNamespace: 'default',
          }),
        );
        const servers = workloadsOf(target);
        if (!servers.length) continue;
        checked++;
        const reached = workloadsOf(c.ref).some(src =>
          servers.some(dst => {
            const e = engine.connection(src.id, dst.id);
            return !!e && !e.conn.isEmpty();
          }),
        );
        if (!reached) missing.push(`${c.ref} -> ${target}`);
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(missing).toEqual([
      // the demo request adds it
      'component:default/checkout -> component:default/payments',
      // a half grant: ingress on inventory only
      'component:default/shipping -> component:default/inventory',
    ]);
  });
});

// --- the second cluster, prod ----------------------------------------------

const PROD_CLUSTER_DIR = path.join(EXAMPLES, 'cluster-prod');
const PROD_POLICIES_DIR = path.join(
  EXAMPLES,
  'gitops',
  'clusters',
  'prod',
  'policies',
);
const SAMPLE_CLUSTERS = ['dev', 'prod'];
const prodInventory = loadDirectory([PROD_POLICIES_DIR, PROD_CLUSTER_DIR]);
const prodEngine = new PolicyEngine(prodInventory, { clusterName: 'prod' });

/** Components running in prod (cilium.backstage.io/cluster names it), with their prod identity. */
const prodComponents = annotatedComponents.flatMap(c => {
  const id = getWorkloadIdentity(c.entity, {
    defaultCluster: 'dev',
    cluster: 'prod',
  });
  return id.ok ? [{ ...c, identity: id.identity }] : [];
});

describe('sample prod cluster (examples/cluster-prod, examples/gitops/clusters/prod/policies)', () => {
  it('names only the sample clusters in cilium.backstage.io/cluster, dev first', () => {
    const problems: string[] = [];
    for (const c of annotatedComponents) {
      const id = identityOf(c);
      if (!id) continue;
      if (
        id.clusters[0] !== 'dev' ||
        id.clusters.some(n => !SAMPLE_CLUSTERS.includes(n))
      )
        problems.push(
          `${describeEntity(c)}: runs in ${id.clusters.join(', ')}`,
        );
    }
    expect(problems).toEqual([]);
    expect(prodComponents.map(c => c.ref)).toEqual(
      expect.arrayContaining([
        'component:default/checkout',
        'component:default/cart',
        'component:default/orders',
      ]),
    );
  });

  it('reads without diagnostics and passes every lint rule', () => {
    expect(
      prodInventory.diagnostics.map(d => `${d.file}:${d.line}: ${d.message}`),
    ).toEqual([]);
    expect(
      lint(prodEngine).map(
        f => `${f.file}:${f.line} ${f.policy}: [${f.code}] ${f.message}`,
      ),
    ).toEqual([]);
  });

  it("runs a subset of dev's workloads, with the same pod labels and ports", () => {
    const problems: string[] = [];
    for (const w of prodEngine.workloads) {
      const dev = workloads.find(x => x.id === w.id);
      if (!dev) problems.push(`${w.id}: not in examples/cluster`);
      else if (
        JSON.stringify(dev.labels) !== JSON.stringify(w.labels) ||
        JSON.stringify(dev.ports) !== JSON.stringify(w.ports)
      )
        problems.push(`${w.id}: labels or ports differ from dev's`);
    }
    expect(problems).toEqual([]);
    expect(prodEngine.workloads.length).toBeLessThan(workloads.length);
  });

  it('has every workload claimed by exactly one component running in prod, and a workload for each of them', () => {
    const problems: string[] = [];
    const claims = (w: Workload) =>
      prodComponents.filter(
        c =>
          c.identity.namespace === w.namespace &&
          matchesLabelSelector(c.identity.requirements, w.labels),
      );
    for (const w of prodEngine.workloads) {
      const n = claims(w).length;
      if (n !== 1) problems.push(`${w.id}: claimed by ${n} prod components`);
    }
    for (const c of prodComponents) {
      if (!prodEngine.workloads.some(w => claims(w).includes(c)))
        problems.push(
          `${describeEntity(
            c,
          )}: runs in prod but has no workload in examples/cluster-prod`,
        );
    }
    expect(problems).toEqual([]);
  });

  it('keeps every application workload under default deny, with DNS through the proxy', () => {
    const problems: string[] = [];
    for (const c of prodEngine.coverage()) {
      if (SYSTEM_NAMESPACES.includes(c.workload.namespace)) continue;
      for (const d of ['ingress', 'egress'] as const)
        if (!c[d].isolated)
          problems.push(`${c.workload.id}: not isolated for ${d}`);
      const v = prodEngine.evaluate(
        c.workload.id,
        'kube-system/coredns',
        53,
        'UDP',
      );
      if (!v.allowed) problems.push(`${c.workload.id}: cannot reach kube-dns`);
    }
    expect(problems).toEqual([]);
  });

  it('differs visibly from dev: checkout reaches orders in dev only, cart in both', () => {
    const reaches = (on: PolicyEngine, src: string, dst: string) => {
      const e = on.connection(src, dst);
      return !!e && !e.conn.isEmpty();
    };
    const checkout = 'checkout/checkout[Deployment]';
    const orders = 'fulfilment/orders[Deployment]';
    const cart = 'checkout/cart[Deployment]';
    expect([
      reaches(engine, checkout, orders),
      reaches(prodEngine, checkout, orders),
    ]).toEqual([true, false]);
    expect([
      reaches(engine, checkout, cart),
      reaches(prodEngine, checkout, cart),
    ]).toEqual([true, true]);
  });
});
