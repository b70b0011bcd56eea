import { InventoryBuilder } from '../parse/inventory';
import { PolicyEngine } from './engine';
import { applyPolicyFileChanges, PolicySourceFile } from './file-changes';

const WORKLOADS = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec: { template: { metadata: { labels: { app: web } } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: db, namespace: shop }
spec: { template: { metadata: { labels: { app: db } } } }
`;

const allow = (name: string, port: number) => `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: ${name}, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: db } }
  ingress:
    - fromEndpoints: [{ matchLabels: { app: web } }]
      toPorts: [{ ports: [{ port: "${port}", protocol: TCP }] }]
`;

function build(files: PolicySourceFile[]): PolicyEngine {
  const b = new InventoryBuilder().addText(WORKLOADS, 'cluster.yaml');
  for (const f of files) b.addText(f.text, f.path);
  return new PolicyEngine(b.build());
}

const texts = (files: PolicySourceFile[]) =>
  new Map(files.map(f => [f.path, f.text]));

const allowed = (e: PolicyEngine, port: number) =>
  e.evaluate('shop/web[Deployment]', 'shop/db[Deployment]', port).allowed;

describe('applyPolicyFileChanges', () => {
  const before = [
    { path: 'a.yaml', text: allow('a', 5432) },
    { path: 'b.yaml', text: allow('b', 6379) },
  ];
  const engine = build(before);

  it('leaves the engine as it is when no file changed', () => {
    const update = applyPolicyFileChanges(engine, texts(before), before)!;
    expect(update.engine).toBe(engine);
    expect(update.changed).toEqual([]);
  });

  it('applies an edited, an added and a removed file, answering as a fresh build', () => {
    const after = [
      { path: 'a.yaml', text: allow('a', 5433) },
      { path: 'c.yaml', text: `${allow('c', 8080)}---\nkind: [broken` },
    ];
    const update = applyPolicyFileChanges(engine, texts(before), after)!;
    expect(update.changed.sort()).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
    const fresh = build(after);
    for (const port of [5432, 5433, 6379, 8080])
      expect([port, allowed(update.engine, port)]).toEqual([
        port,
        allowed(fresh, port),
      ]);
    expect(allowed(update.engine, 5433)).toBe(true);
    expect(allowed(update.engine, 6379)).toBe(false);
    expect(update.diagnostics.get('c.yaml')?.map(d => d.code)).toEqual([
      'yaml',
    ]);
    expect(update.diagnostics.has('b.yaml')).toBe(false);
    // the engine it started from still answers as before
    expect(allowed(engine, 6379)).toBe(true);
  });

  it('asks for a full rebuild when a changed file holds more than policies', () => {
    const after = [
      ...before,
      {
        path: 'ns.yaml',
        text: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: extra }\n',
      },
    ];
    expect(applyPolicyFileChanges(engine, texts(before), after)).toBe(
      undefined,
    );
  });

  it('asks for a full rebuild when another file defines the same policy name', () => {
    const after = [...before, { path: 'copy.yaml', text: allow('a', 9999) }];
    expect(applyPolicyFileChanges(engine, texts(before), after)).toBe(
      undefined,
    );
  });
});
