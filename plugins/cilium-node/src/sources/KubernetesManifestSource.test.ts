import { execFileSync } from 'child_process';
import fs from 'fs';
import http from 'http';
import https from 'https';
import { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { parseAllDocuments } from 'yaml';
import {
  connLines,
  InventoryBuilder,
  PolicyEngine,
} from '@cilium-zero-trust/cilium-policy-engine';
import { DirectoryManifestSource } from './DirectoryManifestSource';
import { KubernetesManifestSource } from './KubernetesManifestSource';
import { ManifestFile } from './types';

const EXAMPLES = path.resolve(__dirname, '../../../../examples');

/** Where a real API server lists each kind across all namespaces (kept apart from the code under test). */
const ROUTES: Record<string, { path: string; apiVersion: string }> = {
  CiliumNetworkPolicy: {
    path: '/apis/cilium.io/v2/ciliumnetworkpolicies',
    apiVersion: 'cilium.io/v2',
  },
  CiliumClusterwideNetworkPolicy: {
    path: '/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies',
    apiVersion: 'cilium.io/v2',
  },
  NetworkPolicy: {
    path: '/apis/networking.k8s.io/v1/networkpolicies',
    apiVersion: 'networking.k8s.io/v1',
  },
  Namespace: { path: '/api/v1/namespaces', apiVersion: 'v1' },
  Pod: { path: '/api/v1/pods', apiVersion: 'v1' },
  Service: { path: '/api/v1/services', apiVersion: 'v1' },
  Deployment: { path: '/apis/apps/v1/deployments', apiVersion: 'apps/v1' },
  StatefulSet: { path: '/apis/apps/v1/statefulsets', apiVersion: 'apps/v1' },
  DaemonSet: { path: '/apis/apps/v1/daemonsets', apiVersion: 'apps/v1' },
  ReplicaSet: { path: '/apis/apps/v1/replicasets', apiVersion: 'apps/v1' },
  Job: { path: '/apis/batch/v1/jobs', apiVersion: 'batch/v1' },
  CronJob: { path: '/apis/batch/v1/cronjobs', apiVersion: 'batch/v1' },
};

type Obj = Record<string, any>;

/** All objects of the YAML files under `dir`, `List`s flattened. */
function loadObjects(dir: string): Obj[] {
  const out: Obj[] = [];
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) visit(full);
      else if (/\.ya?ml$/.test(e.name)) {
        for (const doc of parseAllDocuments(fs.readFileSync(full, 'utf8'))) {
          const v = doc.toJS();
          if (!v) continue;
          if (String(v.kind).endsWith('List')) out.push(...v.items);
          else out.push(v);
        }
      }
    }
  };
  visit(dir);
  return out;
}

/**
 * A fake Kubernetes API server on 127.0.0.1: answers the cluster-wide list
 * endpoints of ROUTES with `<Kind>List` bodies like a real server (items
 * without kind/apiVersion, with uid, resourceVersion, managedFields, status),
 * pages with `limit`/`continue`, requires a bearer token, and fails chosen
 * endpoints with a Status body.
 */
async function fakeApiServer(
  token: string,
  objects: Obj[],
  tls: { key: string; cert: string },
) {
  let rv = 1000;
  const stored = new Map<string, Obj[]>();
  const failures = new Map<string, number>();
  const requests: string[] = [];
  const store = (obj: Obj) => {
    const route = ROUTES[obj.kind];
    if (!route) throw new Error(`no route for ${obj.kind}`);
    const {
      kind: _k,
      apiVersion: _a,
      ...rest
    } = JSON.parse(JSON.stringify(obj));
    rv += 1;
    const previous = (stored.get(route.path) ?? []).find(
      o =>
        o.metadata.name === rest.metadata.name &&
        o.metadata.namespace === rest.metadata.namespace,
    );
    rest.metadata = {
      ...rest.metadata,
      uid: previous?.metadata.uid ?? `uid-${rv}`,
      resourceVersion: String(rv),
      creationTimestamp: '2025-01-01T00:00:00Z',
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          apiVersion: obj.apiVersion,
          time: '2025-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {},
        },
      ],
    };
    if (obj.kind === 'Pod')
      rest.status = { phase: 'Running', podIP: `10.0.0.${rv % 250}` };
    if (obj.kind === 'Deployment')
      rest.status = { replicas: 1, readyReplicas: 1 };
    const list = stored.get(route.path) ?? [];
    const i = list.findIndex(
      o =>
        o.metadata.name === rest.metadata.name &&
        o.metadata.namespace === rest.metadata.namespace,
    );
    if (i >= 0) list[i] = rest;
    else list.push(rest);
    stored.set(route.path, list);
  };
  // Kinds the source does not list (ConfigMaps, ...) live at endpoints this fake does not serve.
  objects.filter(o => ROUTES[o.kind]).forEach(store);

  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${url.pathname}${url.search}`);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string, message: string) =>
      send(code, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason,
        code,
      });
    if (req.headers.authorization !== `Bearer ${token}`) {
      status(401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const failure = failures.get(url.pathname);
    if (failure) {
      status(
        failure,
        failure === 404 ? 'NotFound' : 'InternalError',
        failure === 404
          ? 'the server could not find the requested resource'
          : 'etcdserver: request timed out',
      );
      return;
    }
    const entry = Object.entries(ROUTES).find(
      ([, r]) => r.path === url.pathname,
    );
    if (req.method !== 'GET' || !entry) {
      status(
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
      return;
    }
    const [kind, route] = entry;
    const all = stored.get(route.path) ?? [];
    const offset = Number(url.searchParams.get('continue') || 0);
    const limit = Number(url.searchParams.get('limit') || all.length || 1);
    const items = all.slice(offset, offset + limit);
    const next =
      offset + limit < all.length ? String(offset + limit) : undefined;
    send(200, {
      kind: `${kind}List`,
      apiVersion: route.apiVersion,
      metadata: {
        resourceVersion: String(rv),
        ...(next
          ? { continue: next, remainingItemCount: all.length - offset - limit }
          : {}),
      },
      items,
    });
  };
  const server = https.createServer(tls, handler);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    store,
    stored,
    failures,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

function engineOver(files: ManifestFile[]): PolicyEngine {
  const builder = new InventoryBuilder();
  for (const f of files) builder.addText(f.text, f.path);
  return new PolicyEngine(builder.build(), { clusterName: 'test' });
}

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const describeWithTls = haveOpenssl() ? describe : describe.skip;
if (!haveOpenssl()) {
  // eslint-disable-next-line no-console
  console.warn(
    'SKIPPED KubernetesManifestSource tests: openssl is not installed (needed for the fake API server certificate)',
  );
}

describeWithTls('KubernetesManifestSource', () => {
  let tlsDir: string;
  let tls: { key: string; cert: string };
  /** base64 of the PEM, as in a kubeconfig's certificate-authority-data. */
  let caData: string;
  beforeAll(() => {
    tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-apiserver-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '1',
        '-subj',
        '/CN=kube-apiserver',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { cwd: tlsDir, stdio: 'ignore' },
    );
    tls = {
      key: fs.readFileSync(path.join(tlsDir, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(tlsDir, 'cert.pem'), 'utf8'),
    };
    caData = Buffer.from(tls.cert).toString('base64');
  });
  afterAll(() => fs.rmSync(tlsDir, { recursive: true, force: true }));

  const policies = loadObjects(path.join(EXAMPLES, 'gitops/policies'));
  const workloads = loadObjects(path.join(EXAMPLES, 'cluster'));
  let api: Awaited<ReturnType<typeof fakeApiServer>>;

  beforeEach(async () => {
    api = await fakeApiServer('t0ken', [...policies, ...workloads], tls);
  });
  afterEach(() => api.close());

  it('lists the policies and workloads, as files the engine reads like the manifests they came from', async () => {
    const policySource = new KubernetesManifestSource({
      role: 'policies',
      url: api.url,
      token: 't0ken',
      caData,
    });
    const workloadSource = new KubernetesManifestSource({
      role: 'workloads',
      url: api.url,
      token: 't0ken',
      caData,
    });
    const [p, w] = await Promise.all([
      policySource.read(),
      workloadSource.read(),
    ]);
    expect(p.problems).toEqual([]);
    expect(w.problems).toEqual([]);
    expect(p.files).toHaveLength(policies.length);
    expect(w.files).toHaveLength(workloads.filter(o => ROUTES[o.kind]).length);
    expect(policySource.description).toBe(`kubernetes ${api.url} (policies)`);

    // Paths: k8s/<plural>/<namespace>/<name>.json, cluster-scoped without a namespace.
    const cnp = policies.find(o => o.kind === 'CiliumNetworkPolicy')!;
    const ccnp = policies.find(
      o => o.kind === 'CiliumClusterwideNetworkPolicy',
    )!;
    const cnpFile = p.files.find(
      f =>
        f.path ===
        `k8s/ciliumnetworkpolicies/${cnp.metadata.namespace}/${cnp.metadata.name}.json`,
    );
    expect(cnpFile).toBeDefined();
    expect(p.files.map(f => f.path)).toContain(
      `k8s/ciliumclusterwidenetworkpolicies/${ccnp.metadata.name}.json`,
    );
    expect(w.files.map(f => f.path)).toContain('k8s/namespaces/checkout.json');

    // Each file is one JSON object with kind and apiVersion restored, and without server noise.
    const obj = JSON.parse(cnpFile!.text);
    expect(obj.kind).toBe('CiliumNetworkPolicy');
    expect(obj.apiVersion).toBe('cilium.io/v2');
    expect(obj.spec).toEqual(cnp.spec);
    expect(obj.metadata.uid).toMatch(/^uid-/);
    expect(obj.metadata.managedFields).toBeUndefined();
    expect(obj.metadata.resourceVersion).toBeUndefined();
    const deployment = JSON.parse(
      w.files.find(f => f.path.startsWith('k8s/deployments/'))!.text,
    );
    expect(deployment.kind).toBe('Deployment');
    expect(deployment.status).toBeUndefined();
    expect(
      api.stored.get('/apis/apps/v1/deployments')![0].status,
    ).toBeDefined();

    // The same graph as from the manifests on disk.
    const fromDisk = await Promise.all([
      new DirectoryManifestSource(path.join(EXAMPLES, 'cluster')).read(),
      new DirectoryManifestSource(
        path.join(EXAMPLES, 'gitops/policies'),
      ).read(),
    ]);
    const expected = connLines(
      engineOver([...fromDisk[0].files, ...fromDisk[1].files]).graph().edges,
    );
    expect(expected.length).toBeGreaterThan(10);
    expect(
      connLines(engineOver([...w.files, ...p.files]).graph().edges),
    ).toEqual(expected);
  });

  it('reports a kind that is not served (CRDs not installed) and keeps the others', async () => {
    api.failures.set(
      '/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies',
      404,
    );
    const snapshot = await new KubernetesManifestSource({
      role: 'policies',
      url: api.url,
      token: 't0ken',
      caData,
    }).read();
    expect(snapshot.problems).toHaveLength(1);
    expect(snapshot.problems[0].source).toBe(
      'k8s/ciliumclusterwidenetworkpolicies',
    );
    expect(snapshot.problems[0].message).toMatch(
      /cannot list ciliumclusterwidenetworkpolicies \(cilium\.io\/v2\): HTTP 404: the server could not find the requested resource \(are the Cilium CRDs installed\?\)/,
    );
    expect(snapshot.files).toHaveLength(
      policies.filter(o => o.kind !== 'CiliumClusterwideNetworkPolicy').length,
    );
    expect(
      snapshot.files.some(f => f.path.startsWith('k8s/ciliumnetworkpolicies/')),
    ).toBe(true);
    expect(
      snapshot.files.some(f => f.path.startsWith('k8s/networkpolicies/')),
    ).toBe(true);
  });

  it('sends the bearer token, and reports a wrong one per kind without throwing', async () => {
    const snapshot = await new KubernetesManifestSource({
      role: 'policies',
      url: api.url,
      token: 'wrong',
      caData,
    }).read();
    expect(snapshot.files).toEqual([]);
    expect(snapshot.problems.map(p => p.source)).toEqual([
      'k8s/ciliumnetworkpolicies',
      'k8s/ciliumclusterwidenetworkpolicies',
      'k8s/networkpolicies',
    ]);
    expect(snapshot.problems[0].message).toMatch(
      /not allowed to list ciliumnetworkpolicies .*HTTP 401/,
    );
  });

  it('follows continue tokens across pages', async () => {
    const snapshot = await new KubernetesManifestSource({
      role: 'policies',
      url: api.url,
      token: 't0ken',
      caData,
      pageSize: 4,
    }).read();
    expect(snapshot.files).toHaveLength(policies.length);
    const cnpPages = api.requests.filter(r =>
      r.startsWith('/apis/cilium.io/v2/ciliumnetworkpolicies'),
    );
    expect(cnpPages.length).toBe(
      Math.ceil(
        policies.filter(o => o.kind === 'CiliumNetworkPolicy').length / 4,
      ),
    );
    expect(cnpPages[1]).toMatch(/continue=4/);
    expect(new Set(snapshot.files.map(f => f.path)).size).toBe(policies.length);
  });

  it('changes its version when an object changes, not on status or resourceVersion churn, and lists at most every refreshSeconds', async () => {
    let now = 0;
    const source = new KubernetesManifestSource({
      role: 'workloads',
      url: api.url,
      token: 't0ken',
      caData,
      refreshSeconds: 10,
      now: () => now,
    });
    const v1 = await source.version();
    const listed = api.requests.length;
    expect(listed).toBe(9); // one LIST per workload kind
    expect((await source.read()).version).toBe(v1);
    expect(api.requests.length).toBe(listed); // read() right after version() reuses the listing

    // The same object stored again: new resourceVersion, new managedFields time, same content.
    const deployment = workloads.find(o => o.kind === 'Deployment')!;
    api.store(deployment);
    now += 10_000;
    expect(await source.version()).toBe(v1);
    expect(api.requests.length).toBe(listed + 9);

    api.store({
      ...deployment,
      metadata: {
        ...deployment.metadata,
        labels: { ...deployment.metadata.labels, extra: 'yes' },
      },
    });
    now += 5_000;
    expect(await source.version()).toBe(v1); // not listed again yet
    now += 5_000;
    const v2 = await source.version();
    expect(v2).not.toBe(v1);
    const file = (await source.read()).files.find(
      f =>
        f.path ===
        `k8s/deployments/${deployment.metadata.namespace}/${deployment.metadata.name}.json`,
    );
    expect(JSON.parse(file!.text).metadata.labels.extra).toBe('yes');
  });

  it('keeps the objects of a kind listed before when a later LIST fails transiently', async () => {
    let now = 0;
    const source = new KubernetesManifestSource({
      role: 'policies',
      url: api.url,
      token: 't0ken',
      caData,
      refreshSeconds: 1,
      now: () => now,
    });
    const before = await source.read();
    api.failures.set('/apis/networking.k8s.io/v1/networkpolicies', 500);
    now += 1000;
    const after = await source.read();
    expect(after.files.map(f => f.path)).toEqual(before.files.map(f => f.path));
    expect(after.problems).toHaveLength(1);
    expect(after.problems[0].message).toMatch(
      /cannot list networkpolicies .*HTTP 500.*\(showing the 3 objects listed before\)/,
    );
    expect(after.version).not.toBe(before.version);
  });

  it('reports an unreachable API server as problems', async () => {
    await api.close();
    const snapshot = await new KubernetesManifestSource({
      role: 'workloads',
      url: api.url,
      token: 't0ken',
      caData,
    }).read();
    expect(snapshot.files).toEqual([]);
    expect(snapshot.problems).toHaveLength(9);
    expect(snapshot.problems[0].message).toMatch(
      /cannot list namespaces \(v1\): .*ECONNREFUSED/,
    );
  });

  it('verifies the server certificate against caData (base64 or PEM), unless skipTLSVerify', async () => {
    const untrusted = await new KubernetesManifestSource({
      role: 'policies',
      url: api.url,
      token: 't0ken',
    }).read();
    expect(untrusted.files).toEqual([]);
    expect(untrusted.problems[0].message).toMatch(/self[- ]signed certificate/);

    const pem = await new KubernetesManifestSource({
      role: 'policies',
      url: api.url,
      token: 't0ken',
      caData: tls.cert,
    }).read();
    expect(pem.problems).toEqual([]);
    expect(pem.files).toHaveLength(policies.length);

    const skipped = await new KubernetesManifestSource({
      role: 'policies',
      url: api.url,
      token: 't0ken',
      skipTLSVerify: true,
    }).read();
    expect(skipped.problems).toEqual([]);
    expect(skipped.files).toHaveLength(policies.length);
  });

  it('reads the connection from a kubeconfig file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
    try {
      const file = path.join(dir, 'config');
      fs.writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- { name: fake, cluster: { server: '${api.url}', certificate-authority-data: ${caData} } }`,
          'users:',
          '- { name: reader, user: { token: t0ken } }',
          'contexts:',
          '- { name: other, context: { cluster: fake, user: nobody } }',
          '- { name: fake, context: { cluster: fake, user: reader } }',
          'current-context: other',
        ].join('\n'),
      );
      const snapshot = await new KubernetesManifestSource({
        role: 'policies',
        kubeconfig: file,
        context: 'fake',
      }).read();
      expect(snapshot.problems).toEqual([]);
      expect(snapshot.files).toHaveLength(policies.length);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
