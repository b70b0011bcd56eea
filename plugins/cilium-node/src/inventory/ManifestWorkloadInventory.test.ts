import fs from 'fs';
import os from 'os';
import path from 'path';
import { ManifestWorkloadInventory } from './ManifestWorkloadInventory';

describe('ManifestWorkloadInventory', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventory-'));
    fs.mkdirSync(path.join(dir, 'shop'));
    fs.writeFileSync(
      path.join(dir, 'shop', 'workloads.yaml'),
      `apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: checkout, namespace: shop }
spec:
  selector: { matchLabels: { app: checkout } }
  template:
    metadata: { labels: { app: checkout, tier: api } }
    spec:
      containers:
        - name: app
          image: shop/checkout:1.4.2
          ports:
            - { name: http, containerPort: 8080 }
            - { name: metrics, containerPort: 9090, protocol: TCP }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly-report, namespace: shop }
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata: { labels: { app: report } }
        spec:
          containers: [{ name: job, image: shop/report:1 }]
`,
    );
    fs.writeFileSync(
      path.join(dir, 'list.yml'),
      `apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: { name: postgres, namespace: data }
    spec:
      template:
        metadata: { labels: { app: postgres } }
        spec:
          containers:
            - name: db
              image: postgres:16
              ports: [{ name: postgres, containerPort: 5432 }]
  - apiVersion: v1
    kind: Service
    metadata: { name: postgres, namespace: data }
`,
    );
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'kind: Deployment\nmetadata: {name: [oops\n');
    fs.writeFileSync(path.join(dir, 'README.md'), '# not yaml');
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads workloads from nested folders, multi-document files and Lists, with named ports', async () => {
    const inventory = new ManifestWorkloadInventory({ cluster: 'dev', path: dir });
    const { workloads } = await inventory.listWorkloads();
    expect(workloads.map(w => `${w.namespace}/${w.name}[${w.kind}]`).sort()).toEqual([
      'data/postgres[StatefulSet]',
      'shop/checkout[Deployment]',
      'shop/nightly-report[CronJob]',
    ]);
    const checkout = workloads.find(w => w.name === 'checkout')!;
    expect(checkout).toMatchObject({
      cluster: 'dev',
      podLabels: { app: 'checkout', tier: 'api' },
      ports: [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
      ],
      source: path.join('shop', 'workloads.yaml'),
    });
  });

  it('reports a broken file by name and position and still loads the rest', async () => {
    const inventory = new ManifestWorkloadInventory({ cluster: 'dev', path: dir });
    const { workloads, problems } = await inventory.listWorkloads();
    expect(workloads).toHaveLength(3);
    expect(problems).toHaveLength(1);
    expect(problems[0].source).toMatch(/^broken\.yaml:\d+:\d+$/);
  });

  it('reports a missing folder instead of throwing', async () => {
    const inventory = new ManifestWorkloadInventory({
      cluster: 'dev',
      path: path.join(dir, 'nope'),
    });
    const { workloads, problems } = await inventory.listWorkloads();
    expect(workloads).toEqual([]);
    expect(problems[0].message).toMatch(/cannot read folder/);
  });
});
