import { InventoryBuilder } from './inventory';
import { parseYamlText } from './yaml';

describe('parsing', () => {
  it('reports a bad document with file and position, and still loads the others', () => {
    const text = `apiVersion: v1
kind: Namespace
metadata: { name: a }
---
apiVersion: v1
kind: Pod
metadata: { name: p, namespace: a
  labels: [x
---
apiVersion: v1
kind: Namespace
metadata: { name: b }
`;
    const r = parseYamlText(text, 'f.yaml');
    expect(r.documents.length).toBe(2);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      file: 'f.yaml',
      code: 'yaml',
      document: 1,
    });
    expect(r.diagnostics[0].line).toBeGreaterThanOrEqual(4); // at or after the start of the broken document
  });

  it('refuses unrendered templates with a clear reason', () => {
    const r = parseYamlText(
      'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: "{{ .Name }}"\n',
      't.yaml',
    );
    expect(r.documents).toHaveLength(0);
    expect(r.diagnostics[0].code).toBe('template');
    expect(r.diagnostics[0].message).toMatch(/unrendered \{\{ \}\} template/);
  });

  it('expands kind: List and *List, groups pods by top-level owner, defaults the namespace', () => {
    const b = new InventoryBuilder();
    b.addText(
      `apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: web-abc
      namespace: n
      ownerReferences: [{ kind: Deployment, name: web, controller: true }]
    spec: { template: { metadata: { labels: { app: web } } } }
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: web, namespace: n }
    spec: { template: { metadata: { labels: { app: web } }, spec: { containers: [{ ports: [{ name: http, containerPort: 80 }] }] } } }
  - apiVersion: v1
    kind: Pod
    metadata: { name: web-abc-1, namespace: n, labels: { app: web }, ownerReferences: [{ kind: ReplicaSet, name: web-abc }] }
  - apiVersion: v1
    kind: Pod
    metadata: { name: bare, labels: { app: bare } }
  - apiVersion: batch/v1
    kind: CronJob
    metadata: { name: nightly, namespace: n }
    spec: { jobTemplate: { spec: { template: { metadata: { labels: { job: nightly } } } } } }
---
kind: NamespaceList
items:
  - metadata: { name: n, labels: { team: t } }
`,
      'l.yaml',
    );
    const inv = b.build();
    expect(inv.workloads.map(w => w.id).sort()).toEqual([
      'default/bare[Pod]',
      'n/nightly[CronJob]',
      'n/web[Deployment]',
    ]);
    expect(inv.workloads.find(w => w.name === 'web')!.ports).toEqual([
      { name: 'http', port: 80, protocol: 'TCP' },
    ]);
    expect(inv.namespaces.find(n => n.name === 'n')!.labels).toEqual({
      team: 't',
      'kubernetes.io/metadata.name': 'n',
    });
    expect(inv.namespaces.find(n => n.name === 'default')).toBeDefined();
  });

  it('accepts tab-indented flow sequences like kubectl does, with a warning', () => {
    const r = parseYamlText('a:\n  b: [\n\t  "x",\n    "y"\n  ]\n', 'tab.yaml');
    expect(r.documents).toHaveLength(1);
    expect(r.diagnostics.some(d => d.severity === 'warning')).toBe(true);
  });
});
