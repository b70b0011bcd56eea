import Ajv from 'ajv';
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import {
  allowsEdge,
  diffEngines,
  loadDirectory,
  planChange,
  PolicyEngine,
  verifyDiff,
  withPolicies,
} from '@cilium-zero-trust/cilium-policy-engine';
import type { GenerateRequest } from '@cilium-zero-trust/cilium-policy-engine';
import { examples, sampleEngine } from '../__testUtils__/sampleWorld';
import { describeWithShared, sharedPath } from '@internal/test-shared-data';

const crdFile = sharedPath(
  'corpus/cilium/crds/cilium-cilium/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml',
);

/** The CiliumNetworkPolicy v2 schema from the real CRD, compiled with ajv. */
function crdValidator() {
  const crd = parse(fs.readFileSync(crdFile, 'utf8'));
  const schema = crd.spec.versions.find((v: any) => v.name === 'v2').schema
    .openAPIV3Schema;
  // Go's regexp writes Unicode classes as \PC; JavaScript needs \P{C}.
  const fixPatterns = (node: any): void => {
    if (!node || typeof node !== 'object') return;
    if (typeof node.pattern === 'string')
      node.pattern = node.pattern.replace(
        /\\([pP])([A-Z])(?![{a-z])/g,
        '\\$1{$2}',
      );
    Object.values(node).forEach(fixPatterns);
  };
  fixPatterns(schema);
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('cidr', {
    type: 'string',
    validate: (s: string) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(s),
  });
  for (const f of ['date-time', 'idn-hostname']) ajv.addFormat(f, true);
  ajv.addFormat('int32', { type: 'number', validate: () => true });
  ajv.addFormat('int64', { type: 'number', validate: () => true });
  return ajv.compile(schema);
}

const workloads = {
  checkout: {
    entityRef: 'component:default/checkout',
    name: 'checkout',
    namespace: 'checkout',
    selector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } },
  },
  payments: {
    entityRef: 'component:default/payments',
    name: 'payments',
    namespace: 'checkout',
    selector: { matchLabels: { 'backstage.io/kubernetes-id': 'payments' } },
  },
  search: {
    entityRef: 'component:default/search',
    name: 'search',
    namespace: 'catalog',
    selector: {
      matchExpressions: [
        {
          key: 'app.kubernetes.io/name',
          operator: 'In' as const,
          values: ['search-api', 'search-reindex'],
        },
      ],
    },
  },
  orders: {
    entityRef: 'component:default/orders',
    name: 'orders',
    namespace: 'fulfilment',
    selector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
  },
  notifications: {
    entityRef: 'component:default/notifications',
    name: 'notifications',
    namespace: 'fulfilment',
    selector: {
      matchLabels: { 'backstage.io/kubernetes-id': 'notifications' },
    },
  },
};

function req(partial: Partial<GenerateRequest>): GenerateRequest {
  return {
    id: 'req-0a1b2c3d',
    requester: 'user:default/jane.doe',
    justification: 'Needed for the test: "quotes", colons: and\nnew lines.',
    source: { type: 'workloads', ...workloads.checkout },
    target: { type: 'workloads', ...workloads.payments },
    ports: [{ port: 8443, protocol: 'TCP' }],
    ...partial,
  };
}

const cases: Array<[string, GenerateRequest]> = [
  ['entity → entity (the demo)', req({})],
  [
    'entity → entity with a port range and HTTP rules',
    req({
      ports: [{ port: 8443, endPort: 8444, protocol: 'TCP' }],
      http: [{ method: 'GET', path: '/v1/.*' }],
    }),
  ],
  [
    'matchExpressions source across namespaces',
    req({
      source: { type: 'workloads', ...workloads.search },
      target: { type: 'workloads', ...workloads.orders },
      ports: [{ port: 8080, protocol: 'TCP' }],
    }),
  ],
  [
    'FQDN',
    req({
      source: { type: 'workloads', ...workloads.notifications },
      target: { type: 'fqdn', name: 'api.sendgrid.com' },
      ports: [{ port: 443, protocol: 'TCP' }],
    }),
  ],
  [
    'wildcard FQDN',
    req({
      source: { type: 'workloads', ...workloads.notifications },
      target: { type: 'fqdn', name: '*.sendgrid.com' },
      ports: [{ port: 443, protocol: 'TCP' }],
    }),
  ],
  [
    'CIDR',
    req({
      target: { type: 'cidr', cidr: '10.20.0.0/16' },
      ports: [{ port: 5432, protocol: 'TCP' }],
    }),
  ],
  [
    'Cilium entity',
    req({
      target: { type: 'cilium-entity', entity: 'kube-apiserver' },
      ports: [{ port: 6443, protocol: 'TCP' }],
    }),
  ],
  [
    'UDP and ANY',
    req({
      target: { type: 'cidr', cidr: '192.0.2.10/32' },
      ports: [
        { port: 514, protocol: 'UDP' },
        { port: 9000, protocol: 'ANY' },
      ],
    }),
  ],
];

describeWithShared('generated policies', crdFile, () => {
  const validate = crdValidator();
  const engine = sampleEngine();

  it.each(cases)(
    '%s: valid against the CiliumNetworkPolicy CRD schema and adds exactly the requested edges',
    (_name, request) => {
      const plan = planChange(request, engine);
      expect(plan.findings.filter(f => f.severity === 'error')).toEqual([]);
      expect(plan.policies.length).toBeGreaterThan(0);
      for (const p of plan.policies) {
        const doc = parse(p.yaml);
        const ok = validate(doc);
        expect(validate.errors ?? []).toEqual([]);
        expect(ok).toBe(true);
        expect(p.path).toBe(
          `policies/${doc.metadata.namespace}/${doc.metadata.name}.yaml`,
        );
        expect(doc.metadata.name.length).toBeLessThanOrEqual(63);
        // The validator does refuse what the CRD refuses.
        expect(
          validate({
            ...doc,
            spec: {
              ...doc.spec,
              endpointSelector: undefined,
              nodeSelector: undefined,
            },
          }),
        ).toBe(false);
        expect(
          validate({
            ...doc,
            spec: {
              ...doc.spec,
              [p.side]: [
                { toPorts: [{ ports: [{ port: '80', protocol: 'HTTP' }] }] },
              ],
            },
          }),
        ).toBe(false);
      }
      expect(plan.diff.removed).toEqual([]);
      expect(plan.diff.changed).toEqual([]);
      expect(plan.diff.added.length).toBeGreaterThan(0);
      expect(plan.diff.added.every(a => a.expected)).toBe(true);
    },
  );

  it('adds a DNS rule through the DNS proxy when the egress-isolated source has none for the name', () => {
    const files = fs
      .readdirSync(path.join(examples, 'gitops/policies'), {
        recursive: true,
      } as any)
      .map(f => path.join(examples, 'gitops/policies', String(f)))
      .filter(
        f => f.endsWith('.yaml') && !f.endsWith('allow-dns-to-kube-dns.yaml'),
      );
    const noDns = new PolicyEngine(
      loadDirectory([...files, path.join(examples, 'cluster')]),
      { clusterName: 'dev' },
    );
    const plan = planChange(cases[3][1], noDns);
    expect(plan.findings.filter(f => f.severity === 'error')).toEqual([]);
    const egress = parse(plan.policies[0].yaml);
    expect(validate(egress)).toBe(true);
    expect(egress.spec.egress[1]).toEqual({
      toEndpoints: [
        {
          matchLabels: {
            'k8s:io.kubernetes.pod.namespace': 'kube-system',
            'k8s-app': 'kube-dns',
          },
        },
      ],
      toPorts: [
        {
          ports: [
            { port: '53', protocol: 'UDP' },
            { port: '53', protocol: 'TCP' },
          ],
          rules: { dns: [{ matchName: 'api.sendgrid.com' }] },
        },
      ],
    });
    expect(
      plan.diff.added.map(a => `${a.src} -> ${a.dst}: ${a.after}`).sort(),
    ).toEqual([
      'fulfilment/notifications[Deployment] -> api.sendgrid.com[FQDN]: TCP 443',
      'fulfilment/notifications[Deployment] -> kube-system/coredns[Deployment]: TCP 53,UDP 53',
    ]);
  });

  it('refuses and shows a change that would add edges nobody asked for', () => {
    const broad = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: too-broad, namespace: checkout }
spec:
  endpointSelector: { matchLabels: { backstage.io/kubernetes-id: payments } }
  ingress:
    - fromEndpoints: [{}]
      toPorts: [{ ports: [{ port: "8443", protocol: TCP }] }]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: too-broad-egress, namespace: checkout }
spec:
  endpointSelector: {}
  egress:
    - toEndpoints: [{ matchLabels: { backstage.io/kubernetes-id: payments } }]
      toPorts: [{ ports: [{ port: "8443", protocol: TCP }] }]
`;
    const after = withPolicies(engine, [
      { path: 'policies/checkout/too-broad.yaml', yaml: broad },
    ]);
    const expected = [
      {
        src: 'checkout/checkout[Deployment]',
        dst: 'checkout/payments[Deployment]',
        conn: 'TCP 8443',
        kind: 'requested' as const,
      },
    ];
    const { diff, findings } = verifyDiff(
      expected,
      diffEngines(engine, after),
      edge => allowsEdge(after, edge),
    );
    expect(findings.map(f => f.code)).toContain('unexpected-edge');
    expect(findings.map(f => f.code)).not.toContain('edge-not-added');
    expect(diff.added.filter(a => !a.expected).map(a => a.src)).toEqual(
      expect.arrayContaining([
        'checkout/cart[Deployment]',
        'checkout/cart-redis[StatefulSet]',
      ]),
    );
  });
});
