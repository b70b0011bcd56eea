import { createHash } from 'crypto';
import http from 'http';
import https from 'https';
import { KubeConfig } from '@kubernetes/client-node';
import {
  ManifestFile,
  ManifestSnapshot,
  ManifestSource,
  SourceProblem,
} from './types';

/**
 * What a {@link KubernetesManifestSource} lists: `policies` (CNP, CCNP, KNP)
 * or `workloads` (namespaces, pods and their owners, services).
 * @public
 */
export type KubernetesSourceRole = 'policies' | 'workloads';

/**
 * Options of {@link KubernetesManifestSource}. Connection, in order: `url`
 * (+ `token`, `caData`, `skipTLSVerify`); else a `kubeconfig` file (+
 * `context`); else the in-cluster service account when running in a pod;
 * else the default kubeconfig (`KUBECONFIG`, `~/.kube/config`).
 * @public
 */
export interface KubernetesManifestSourceOptions {
  role: KubernetesSourceRole;
  /** The API server, e.g. `https://10.0.0.1:6443`. */
  url?: string;
  /** A bearer token (e.g. a service account token) for `url`. */
  token?: string;
  /** The CA bundle of the API server for `url`: base64 of the PEM (as in a kubeconfig), or the PEM itself. */
  caData?: string;
  /** Do not verify the API server's certificate (development only). */
  skipTLSVerify?: boolean;
  /** Path to a kubeconfig file. */
  kubeconfig?: string;
  /** The kubeconfig context to use. Default: the file's current context. */
  context?: string;
  /** List the cluster at most this often, in seconds. Default 30. */
  refreshSeconds?: number;
  /** Objects per LIST page. Default 500. */
  pageSize?: number;
  /** A ready KubeConfig (tests, or callers with their own auth); overrides the connection options. */
  kubeConfig?: KubeConfig;
  now?: () => number;
}

type ListPage = { metadata?: { continue?: string }; items?: unknown[] };

interface KindSpec {
  kind: string;
  apiVersion: string;
  plural: string;
  namespaced: boolean;
}

/** The kinds each role lists, in this order. */
const KINDS: Record<KubernetesSourceRole, KindSpec[]> = {
  policies: [
    {
      kind: 'CiliumNetworkPolicy',
      apiVersion: 'cilium.io/v2',
      plural: 'ciliumnetworkpolicies',
      namespaced: true,
    },
    {
      kind: 'CiliumClusterwideNetworkPolicy',
      apiVersion: 'cilium.io/v2',
      plural: 'ciliumclusterwidenetworkpolicies',
      namespaced: false,
    },
    {
      kind: 'NetworkPolicy',
      apiVersion: 'networking.k8s.io/v1',
      plural: 'networkpolicies',
      namespaced: true,
    },
  ],
  workloads: [
    {
      kind: 'Namespace',
      apiVersion: 'v1',
      plural: 'namespaces',
      namespaced: false,
    },
    { kind: 'Pod', apiVersion: 'v1', plural: 'pods', namespaced: true },
    {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      plural: 'deployments',
      namespaced: true,
    },
    {
      kind: 'StatefulSet',
      apiVersion: 'apps/v1',
      plural: 'statefulsets',
      namespaced: true,
    },
    {
      kind: 'DaemonSet',
      apiVersion: 'apps/v1',
      plural: 'daemonsets',
      namespaced: true,
    },
    {
      kind: 'ReplicaSet',
      apiVersion: 'apps/v1',
      plural: 'replicasets',
      namespaced: true,
    },
    { kind: 'Job', apiVersion: 'batch/v1', plural: 'jobs', namespaced: true },
    {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      plural: 'cronjobs',
      namespaced: true,
    },
    { kind: 'Service', apiVersion: 'v1', plural: 'services', namespaced: true },
  ],
};

/** The cluster-wide list path of a kind, e.g. `/apis/apps/v1/deployments`, `/api/v1/pods`. */
function listPath(spec: KindSpec): string {
  return spec.apiVersion.includes('/')
    ? `/apis/${spec.apiVersion}/${spec.plural}`
    : `/api/${spec.apiVersion}/${spec.plural}`;
}

/** A non-2xx answer of the API server. */
class KubernetesApiError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

function describeError(e: unknown): { code?: number; message: string } {
  if (e instanceof KubernetesApiError)
    return { code: e.code, message: e.message };
  return { message: e instanceof Error ? e.message : String(e) };
}

/** A plain JSON copy without what changes all the time and never matters to policy evaluation. */
function clean(item: unknown, spec: KindSpec): Record<string, any> {
  const obj = { ...(item as Record<string, any>) };
  obj.metadata = { ...obj.metadata };
  obj.apiVersion = spec.apiVersion;
  obj.kind = spec.kind;
  delete obj.status;
  const meta = obj.metadata;
  delete meta.managedFields;
  delete meta.resourceVersion;
  if (meta.annotations) {
    meta.annotations = { ...meta.annotations };
    delete meta.annotations['kubectl.kubernetes.io/last-applied-configuration'];
    if (!Object.keys(meta.annotations).length) delete meta.annotations;
  }
  // Keep the conventional key order: apiVersion, kind, metadata, spec, ...
  const { apiVersion, kind, metadata, ...rest } = obj;
  return { apiVersion, kind, metadata, ...rest };
}

/**
 * Policies or workloads read from a Kubernetes API server with
 * `@kubernetes/client-node`'s KubeConfig (connection and authentication): one
 * paged LIST per kind across all namespaces.
 * Each object becomes a JSON file `k8s/<plural>/<namespace>/<name>.json`
 * (cluster-scoped: `k8s/<plural>/<name>.json`) without `status`,
 * `managedFields`, `resourceVersion` and the last-applied annotation, so the
 * version (a hash of the files) changes only when something that matters to
 * policy evaluation changes. A kind that cannot be listed (e.g. 404 when the
 * Cilium CRDs are not installed, 403 without RBAC) is a problem, not a
 * failure; on a transient error the kind's previous objects are kept.
 * @public
 */
export class KubernetesManifestSource implements ManifestSource {
  readonly description: string;
  private readonly kc: KubeConfig;
  private last?: { at: number; snapshot: ManifestSnapshot };
  private listing?: Promise<ManifestSnapshot>;
  private readonly lastGood = new Map<string, ManifestFile[]>();

  constructor(private readonly options: KubernetesManifestSourceOptions) {
    this.kc =
      options.kubeConfig ?? KubernetesManifestSource.kubeConfig(options);
    this.description = `kubernetes ${
      this.kc.getCurrentCluster()?.server ?? '(no cluster)'
    } (${options.role})`;
  }

  /** The KubeConfig for the connection options (see {@link KubernetesManifestSourceOptions}). */
  static kubeConfig(
    options: Omit<KubernetesManifestSourceOptions, 'role'>,
  ): KubeConfig {
    const kc = new KubeConfig();
    if (options.url) {
      const caData =
        options.caData && options.caData.includes('-----BEGIN')
          ? Buffer.from(options.caData).toString('base64')
          : options.caData;
      kc.loadFromClusterAndUser(
        {
          name: 'cluster',
          server: options.url,
          caData,
          skipTLSVerify: options.skipTLSVerify ?? false,
        },
        { name: 'user', token: options.token },
      );
    } else if (options.kubeconfig) {
      kc.loadFromFile(options.kubeconfig);
      if (options.context) kc.setCurrentContext(options.context);
    } else if (process.env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
    } else {
      kc.loadFromDefault();
      if (options.context) kc.setCurrentContext(options.context);
    }
    return kc;
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /**
   * One GET against the API server, authenticated and TLS-configured by the
   * KubeConfig (token, client certificates, exec/auth providers, CA, proxy).
   * The raw JSON is kept: the generated typed clients rename fields (e.g. a
   * NetworkPolicy rule's `from` becomes `_from`).
   */
  private async get(pathAndQuery: string): Promise<ListPage> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(`${cluster.server.replace(/\/+$/, '')}${pathAndQuery}`);
    const opts: https.RequestOptions = {
      method: 'GET',
      headers: { Accept: 'application/json' },
      timeout: 30_000,
    };
    await this.kc.applyToHTTPSOptions(opts);
    return new Promise<ListPage>((resolve, reject) => {
      const req = (url.protocol === 'http:' ? http : https).request(
        url,
        opts,
        res => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: any;
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
            const code = res.statusCode ?? 0;
            if (code < 200 || code >= 300) {
              const detail = body?.message ?? text.slice(0, 200);
              reject(
                new KubernetesApiError(
                  code,
                  `HTTP ${code}${detail ? `: ${detail}` : ''}`,
                ),
              );
            } else if (!body || typeof body !== 'object') {
              reject(
                new Error(`the answer of GET ${url.pathname} is not JSON`),
              );
            } else {
              resolve(body as ListPage);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out after 30s')));
      req.on('error', reject);
      req.end();
    });
  }

  private async listKind(spec: KindSpec): Promise<ManifestFile[]> {
    const files: ManifestFile[] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({
        limit: String(this.options.pageSize ?? 500),
      });
      if (token) query.set('continue', token);
      const page = await this.get(`${listPath(spec)}?${query}`);
      for (const item of page.items ?? []) {
        const obj = clean(item, spec);
        const ns = obj.metadata?.namespace;
        const name = String(obj.metadata?.name ?? 'unnamed');
        files.push({
          path: `k8s/${spec.plural}/${
            spec.namespaced && ns ? `${ns}/` : ''
          }${name}.json`,
          text: `${JSON.stringify(obj, null, 2)}\n`,
        });
      }
      token = page.metadata?.continue || undefined;
    } while (token);
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    return files;
  }

  private async list(): Promise<ManifestSnapshot> {
    const specs = KINDS[this.options.role];
    const results = await Promise.allSettled(specs.map(s => this.listKind(s)));
    const files: ManifestFile[] = [];
    const problems: SourceProblem[] = [];
    results.forEach((r, i) => {
      const spec = specs[i];
      const what = `${spec.plural} (${spec.apiVersion})`;
      if (r.status === 'fulfilled') {
        this.lastGood.set(spec.plural, r.value);
        files.push(...r.value);
        return;
      }
      const { code, message } = describeError(r.reason);
      if (code === 404) {
        this.lastGood.delete(spec.plural);
        const hint = spec.apiVersion.startsWith('cilium.io')
          ? ' (are the Cilium CRDs installed?)'
          : '';
        problems.push({
          source: `k8s/${spec.plural}`,
          message: `cannot list ${what}: ${message}${hint}`,
        });
      } else if (code === 401 || code === 403) {
        this.lastGood.delete(spec.plural);
        problems.push({
          source: `k8s/${spec.plural}`,
          message: `not allowed to list ${what}: ${message}`,
        });
      } else {
        const kept = this.lastGood.get(spec.plural);
        files.push(...(kept ?? []));
        problems.push({
          source: `k8s/${spec.plural}`,
          message: `cannot list ${what}: ${message}${
            kept ? ` (showing the ${kept.length} objects listed before)` : ''
          }`,
        });
      }
    });
    const hash = createHash('sha1');
    for (const f of files) hash.update(`${f.path}\0${f.text}\0`);
    for (const p of problems)
      hash.update(`problem\0${p.source}\0${p.message}\0`);
    return { files, version: hash.digest('hex'), problems };
  }

  /** Lists again when the last listing is older than `refreshSeconds` (one listing at a time). */
  private async snapshot(): Promise<ManifestSnapshot> {
    const interval = (this.options.refreshSeconds ?? 30) * 1000;
    if (this.last && this.now() - this.last.at < interval)
      return this.last.snapshot;
    if (!this.listing) {
      this.listing = this.list()
        .then(snapshot => {
          this.last = { at: this.now(), snapshot };
          return snapshot;
        })
        .finally(() => {
          this.listing = undefined;
        });
    }
    return this.listing;
  }

  async version(): Promise<string> {
    return (await this.snapshot()).version;
  }

  async read(): Promise<ManifestSnapshot> {
    return this.snapshot();
  }
}
