import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  RELATION_DEPENDS_ON,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  loadDirectory,
  PolicyEngine,
} from '@cilium-zero-trust/cilium-policy-engine';
import { loadCatalogEntities } from '@cilium-zero-trust/hubble-relay-sim';

/** The repository root (this file is four folders down). */
export const repoRoot = path.resolve(__dirname, '../../../..');
export const examples = path.join(repoRoot, 'examples');

function fullRef(ref: string, kind: string): string {
  return stringifyEntityRef(
    parseEntityRef(ref, { defaultKind: kind, defaultNamespace: 'default' }),
  );
}

/** A Component found in the cluster by the Kubernetes plugin's annotations. */
export function kubernetesComponent(
  name: string,
  namespace: string,
  labelSelector: string,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'backstage.io/kubernetes-namespace': namespace,
        'backstage.io/kubernetes-label-selector': labelSelector,
      },
    },
    spec: {
      type: 'service',
      owner: 'group:default/team-a',
      lifecycle: 'production',
    },
  };
}

/** The sample catalog with the relations the catalog processors would add. */
export function sampleEntities(): Entity[] {
  return loadCatalogEntities(path.join(examples, 'catalog'))
    .filter(e => e.kind !== 'Location')
    .map(e => {
      const owner = (e.spec as any)?.owner;
      const dependsOn = ((e.spec as any)?.dependsOn ?? []) as string[];
      return {
        ...e,
        metadata: {
          ...e.metadata,
          namespace: e.metadata.namespace ?? 'default',
        },
        relations: [
          ...(owner
            ? [{ type: RELATION_OWNED_BY, targetRef: fullRef(owner, 'group') }]
            : []),
          ...dependsOn.map(d => ({
            type: RELATION_DEPENDS_ON,
            targetRef: fullRef(d, 'component'),
          })),
        ],
      };
    });
}

/** The policy engine over the sample world's policies and cluster. */
export function sampleEngine(): PolicyEngine {
  return new PolicyEngine(
    loadDirectory([
      path.join(examples, 'gitops/policies'),
      path.join(examples, 'cluster'),
    ]),
    { clusterName: 'dev' },
  );
}

/** user ref → the user ref and its groups (as the default sign-in resolver gives them). */
export function ownershipOf(entities: Entity[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const e of entities.filter(x => x.kind === 'User')) {
    const ref = stringifyEntityRef(e);
    map.set(ref, [
      ref,
      ...(((e.spec as any)?.memberOf ?? []) as string[]).map(g =>
        fullRef(g, 'group'),
      ),
    ]);
  }
  return map;
}

function userOf(credentials: BackstageCredentials): string | undefined {
  const p = credentials.principal as any;
  return p?.type === 'user' ? p.userEntityRef : undefined;
}

/** userInfo that knows the sample users' groups. */
export function userInfoFactory(ownership: Map<string, string[]>) {
  return createServiceFactory({
    service: coreServices.userInfo,
    deps: {},
    factory: () => ({
      async getUserInfo(credentials: BackstageCredentials) {
        const user = userOf(credentials);
        if (!user) throw new Error('not a user');
        return {
          userEntityRef: user,
          ownershipEntityRefs: ownership.get(user) ?? [user],
        };
      },
    }),
  });
}

/**
 * Permissions that decide like the sample policy (packages/backend
 * CiliumPermissionPolicy): review for platform-team members, create for the
 * owners of the source entity (the conditional isEntityOwner decision,
 * applied), everything else allowed.
 */
export function permissionsFactory(
  entities: Entity[],
  ownership: Map<string, string[]>,
) {
  const owners = new Map(
    entities.map(e => [
      stringifyEntityRef(e),
      (e.relations ?? []).map(r => r.targetRef),
    ]),
  );
  return createServiceFactory({
    service: coreServices.permissions,
    deps: {},
    factory: () =>
      ({
        async authorize(
          requests: any[],
          options: { credentials: BackstageCredentials },
        ) {
          const claims = ownership.get(userOf(options.credentials) ?? '') ?? [];
          const platform = claims.includes('group:default/platform-team');
          return requests.map(r => {
            if (platform) return { result: AuthorizeResult.ALLOW };
            if (r.permission.name === 'cilium.request.review')
              return { result: AuthorizeResult.DENY };
            if (r.permission.name === 'cilium.request.create') {
              const o = owners.get(r.resourceRef) ?? [];
              return {
                result: o.some(x => claims.includes(x))
                  ? AuthorizeResult.ALLOW
                  : AuthorizeResult.DENY,
              };
            }
            return { result: AuthorizeResult.ALLOW };
          });
        },
        async authorizeConditional(requests: any[]) {
          return requests.map(() => ({ result: AuthorizeResult.ALLOW }));
        },
      } as any),
  });
}

/** SQLite always; PostgreSQL when a connection string is set (with a visible note when it is not). */
export function testDatabaseIds(): TestDatabaseId[] {
  if (process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING)
    return ['POSTGRES_15', 'SQLITE_3'];
  // eslint-disable-next-line no-console
  console.warn(
    'PostgreSQL runs of the change-request tests skipped: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (.ci/run does)',
  );
  return ['SQLITE_3'];
}

/** Creates the databases (call at module level, as TestDatabases requires). */
export function createTestDatabases(): TestDatabases {
  return TestDatabases.create({ ids: testDatabaseIds() });
}

/** A fresh temporary folder. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Root config for a test backend on the sample world with a local-git
 * publisher at `gitPath` (none when `gitPath` is undefined).
 */
export function sampleConfig(
  gitPath: string | undefined,
  extra: Record<string, unknown> = {},
) {
  return mockServices.rootConfig.factory({
    data: {
      app: { baseUrl: 'http://localhost:3000' },
      cilium: {
        clusters: [
          {
            name: 'dev',
            policies: {
              type: 'directory',
              path: path.join(examples, 'gitops/policies'),
            },
            workloads: {
              type: 'manifests',
              path: path.join(examples, 'cluster'),
            },
          },
        ],
        requests: {
          reviewers: ['group:default/platform-team'],
          ...(gitPath
            ? {
                publisher: {
                  type: 'local-git',
                  path: gitPath,
                  seedFrom: path.join(examples, 'gitops'),
                },
              }
            : {}),
          pollSeconds: 3600,
          expiryCheckMinutes: 600,
          ...extra,
        },
      },
    },
  });
}

export { eventually } from '@internal/test-shared-data';
