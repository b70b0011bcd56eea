import fs from 'fs';
import os from 'os';
import path from 'path';
import git from 'isomorphic-git';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import {
  DirectoryManifestSource,
  GitManifestSource,
  KubernetesManifestSource,
  ManifestSourceFactory,
} from '@cilium-zero-trust/plugin-cilium-node';
import { ClusterRegistry } from '../ClusterRegistry';
import { ManifestSourceRegistry } from './ManifestSourceRegistry';

const logger = mockServices.logger.mock();
const examples = path.resolve(__dirname, '../../../../../examples');

function build(
  block: object,
  role: 'policies' | 'workloads' = 'policies',
  integrationsConfig: object = {},
) {
  return ManifestSourceRegistry.withBuiltins().create(new ConfigReader(block), {
    role,
    key: `cilium.clusters[0].${role}`,
    logger,
    integrations: ScmIntegrations.fromConfig(
      new ConfigReader(integrationsConfig),
    ),
  });
}

describe('the built-in source types', () => {
  it('builds a directory source, also for the workloads type "manifests" and when the type is left out', () => {
    const dir = build({
      type: 'directory',
      path: 'x',
      url: 'https://example.com/{path}',
      refreshSeconds: 30,
    });
    expect(dir.source).toBeInstanceOf(DirectoryManifestSource);
    expect(dir.source.description).toBe('directory x');
    expect(dir.fileUrl).toBe('https://example.com/{path}');
    expect(dir.checkSeconds).toBe(30);
    expect(
      build({ type: 'manifests', path: 'y' }, 'workloads').source,
    ).toBeInstanceOf(DirectoryManifestSource);
    expect(build({ path: 'z' }).source.description).toBe('directory z');
    expect(build({ path: 'z' }).checkSeconds).toBeUndefined();
  });

  it('builds a git source with its link template, explicit or derived from a GitHub integration', () => {
    const explicit = build({
      type: 'git',
      url: 'https://git.example.com/acme/gitops.git',
      branch: 'prod',
      path: 'policies',
      token: 'secret',
      refreshSeconds: 120,
      fileUrl: 'https://git.example.com/acme/gitops/src/prod/policies/{path}',
    });
    expect(explicit.source).toBeInstanceOf(GitManifestSource);
    expect(explicit.source.description).toBe(
      'git https://git.example.com/acme/gitops.git#prod:policies',
    );
    expect(explicit.fileUrl).toBe(
      'https://git.example.com/acme/gitops/src/prod/policies/{path}',
    );
    expect(explicit.checkSeconds).toBe(5);

    const derived = build(
      {
        type: 'git',
        url: 'https://github.com/acme/gitops.git',
        path: 'policies',
      },
      'policies',
      { integrations: { github: [{ host: 'github.com', token: 't' }] } },
    );
    expect(derived.fileUrl).toBe(
      'https://github.com/acme/gitops/blob/main/policies/{path}',
    );
    expect(
      build({ type: 'git', url: '/srv/gitops.git' }).fileUrl,
    ).toBeUndefined();
  });

  it('builds a Kubernetes source for either role', () => {
    const policies = build({
      type: 'kubernetes',
      url: 'https://10.0.0.1:6443',
      token: 't',
      skipTLSVerify: true,
    });
    expect(policies.source).toBeInstanceOf(KubernetesManifestSource);
    expect(policies.source.description).toBe(
      'kubernetes https://10.0.0.1:6443 (policies)',
    );
    const workloads = build(
      {
        type: 'kubernetes',
        url: 'https://10.0.0.1:6443',
        caData: 'Zm9v',
        refreshSeconds: 2,
      },
      'workloads',
    );
    expect(workloads.source.description).toBe(
      'kubernetes https://10.0.0.1:6443 (workloads)',
    );
    expect(workloads.checkSeconds).toBe(2);
  });

  it('rejects an unknown type or a missing field with a message naming the config key', () => {
    expect(() => build({ type: 's3', path: 'x' })).toThrow(
      'cilium.clusters[0].policies.type: unknown source type "s3"; use one of directory, git, kubernetes',
    );
    expect(() => build({ type: 'hubble' }, 'workloads')).toThrow(
      /^cilium\.clusters\[0\]\.workloads\.type: unknown source type "hubble"/,
    );
    expect(() => build({ type: 'git' })).toThrow(
      'cilium.clusters[0].policies.url is required for a source of type "git"',
    );
    expect(() => build({ type: 'directory' })).toThrow(
      'cilium.clusters[0].policies.path is required',
    );
  });
});

describe('ManifestSourceRegistry', () => {
  const inline: ManifestSourceFactory = {
    type: 'inline',
    create: ({ config }) => {
      const text = config.getString('text');
      return {
        source: {
          description: 'inline',
          version: async () => text,
          read: async () => ({
            files: [{ path: 'inline.yaml', text }],
            version: text,
            problems: [],
          }),
        },
        checkSeconds: 1,
      };
    },
  };

  it('builds a source of a type a module added, next to the built-in ones', async () => {
    const registry = ManifestSourceRegistry.withBuiltins();
    registry.addSourceFactory(inline);
    expect(registry.types()).toEqual([
      'directory',
      'git',
      'kubernetes',
      'inline',
    ]);
    const built = registry.create(
      new ConfigReader({ type: 'inline', text: 'kind: Namespace' }),
      {
        role: 'workloads',
        key: 'cilium.clusters[0].workloads',
        logger,
        integrations: ScmIntegrations.fromConfig(new ConfigReader({})),
      },
    );
    expect(built.checkSeconds).toBe(1);
    expect((await built.source.read()).files).toEqual([
      { path: 'inline.yaml', text: 'kind: Namespace' },
    ]);
  });

  it('refuses a type added twice, and names the added types for an unknown one', () => {
    const registry = ManifestSourceRegistry.withBuiltins();
    expect(() => registry.addSourceFactory({ ...inline, type: 'git' })).toThrow(
      'A policy/workload source type "git" is already registered',
    );
    registry.addSourceFactory(inline);
    expect(() =>
      registry.create(new ConfigReader({ type: 's3' }), {
        role: 'policies',
        key: 'cilium.clusters[1].policies',
        logger,
        integrations: ScmIntegrations.fromConfig(new ConfigReader({})),
      }),
    ).toThrow(
      'cilium.clusters[1].policies.type: unknown source type "s3"; use one of directory, git, kubernetes, inline, or add the backend module that provides "s3"',
    );
  });
});

describe('ClusterRegistry with a git policy source', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-git-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('loads the policies of a local git repository and reloads on a new commit', async () => {
    // The sample GitOps policies, committed to a local repository.
    const repo = path.join(tmp, 'gitops');
    await git.init({ fs, dir: repo, defaultBranch: 'main' });
    fs.cpSync(
      path.join(examples, 'gitops/policies'),
      path.join(repo, 'policies'),
      { recursive: true },
    );
    await git.add({ fs, dir: repo, filepath: 'policies' });
    await git.commit({
      fs,
      dir: repo,
      message: 'policies',
      author: { name: 't', email: 't@example.invalid' },
    });

    const registry = ClusterRegistry.fromConfig(
      new ConfigReader({
        cilium: {
          clusters: [
            {
              name: 'dev',
              policies: {
                type: 'git',
                url: repo,
                path: 'policies',
                fileUrl: 'https://example.com/p/{path}',
                refreshSeconds: 0,
              },
              workloads: {
                type: 'manifests',
                path: path.join(examples, 'cluster'),
              },
            },
          ],
        },
      }),
      logger,
    );
    const cluster = registry.get('dev');
    expect(cluster.policyUrl).toBe('https://example.com/p/{path}');
    const first = await cluster.model.current();
    expect(first.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    expect(first.policyFiles.has('catalog/default-deny.yaml')).toBe(true);
    const count = first.policyFiles.size;

    fs.writeFileSync(
      path.join(repo, 'policies/catalog/extra.yaml'),
      'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: extra, namespace: catalog }\nspec:\n  endpointSelector: {}\n  ingress: [{ fromEntities: [cluster] }]\n',
    );
    await git.add({ fs, dir: repo, filepath: 'policies/catalog/extra.yaml' });
    await git.commit({
      fs,
      dir: repo,
      message: 'extra',
      author: { name: 't', email: 't@example.invalid' },
    });
    const second = await cluster.model.current();
    expect(second).not.toBe(first);
    expect(second.policyFiles.size).toBe(count + 1);
    expect(second.policyFiles.has('catalog/extra.yaml')).toBe(true);
  });
});
