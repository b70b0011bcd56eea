import { Entity } from '@backstage/catalog-model';
import {
  getEntityClusters,
  getWorkloadIdentity,
  isCiliumAnnotated,
} from './workloadIdentity';

function component(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'checkout', annotations },
    spec: { type: 'service', owner: 'team-checkout', lifecycle: 'production' },
  };
}

describe('getWorkloadIdentity', () => {
  it('reads a label selector and defaults the cluster', () => {
    const result = getWorkloadIdentity(
      component({
        'backstage.io/kubernetes-namespace': 'shop',
        'backstage.io/kubernetes-label-selector':
          'app.kubernetes.io/name=checkout',
      }),
      { defaultCluster: 'dev' },
    );
    expect(result).toMatchObject({
      ok: true,
      identity: {
        cluster: 'dev',
        namespace: 'shop',
        selector: 'app.kubernetes.io/name=checkout',
        source: 'label-selector',
      },
    });
  });

  it('turns the kubernetes-id into the pod label it stands for, and honours the cluster annotation', () => {
    const result = getWorkloadIdentity(
      component({
        'backstage.io/kubernetes-namespace': 'payments',
        'backstage.io/kubernetes-id': 'payments-api',
        'cilium.backstage.io/cluster': 'prod-eu',
      }),
      { defaultCluster: 'dev' },
    );
    expect(result.ok && result.identity).toMatchObject({
      cluster: 'prod-eu',
      selector: 'backstage.io/kubernetes-id=payments-api',
      source: 'kubernetes-id',
      requirements: [
        {
          key: 'backstage.io/kubernetes-id',
          operator: 'In',
          values: ['payments-api'],
        },
      ],
    });
  });

  it('prefers the label selector when both are present', () => {
    const result = getWorkloadIdentity(
      component({
        'backstage.io/kubernetes-namespace': 'shop',
        'backstage.io/kubernetes-id': 'x',
        'backstage.io/kubernetes-label-selector': 'app=y',
      }),
      { defaultCluster: 'dev' },
    );
    expect(result.ok && result.identity.selector).toBe('app=y');
  });

  it('explains what to add when annotations are missing', () => {
    const entity = component({ 'backstage.io/kubernetes-namespace': 'shop' });
    expect(isCiliumAnnotated(entity)).toBe(false);
    const result = getWorkloadIdentity(entity, { defaultCluster: 'dev' });
    expect(result).toMatchObject({ ok: false, reason: 'not-annotated' });
    expect(!result.ok && result.message).toContain(
      'backstage.io/kubernetes-label-selector',
    );
  });

  it('reports an invalid selector or namespace with the annotation name', () => {
    const badSelector = getWorkloadIdentity(
      component({
        'backstage.io/kubernetes-namespace': 'shop',
        'backstage.io/kubernetes-label-selector': 'app in web',
      }),
      { defaultCluster: 'dev' },
    );
    expect(badSelector).toMatchObject({
      ok: false,
      reason: 'invalid-annotation',
    });
    expect(!badSelector.ok && badSelector.message).toMatch(
      /^backstage.io\/kubernetes-label-selector: Invalid label selector/,
    );
    const badNamespace = getWorkloadIdentity(
      component({
        'backstage.io/kubernetes-namespace': 'Shop_NS',
        'backstage.io/kubernetes-id': 'x',
      }),
      { defaultCluster: 'dev' },
    );
    expect(badNamespace).toMatchObject({
      ok: false,
      reason: 'invalid-annotation',
    });
  });
});

describe('several clusters (cilium.backstage.io/cluster: a,b)', () => {
  const annotated = (cluster: string) =>
    component({
      'backstage.io/kubernetes-namespace': 'shop',
      'backstage.io/kubernetes-id': 'checkout',
      'cilium.backstage.io/cluster': cluster,
    });

  it('lists the clusters, the first as default, without duplicates or empty entries', () => {
    expect(
      getEntityClusters(annotated(' prod , dev,,prod '), {
        defaultCluster: 'qa',
      }),
    ).toEqual({ ok: true, clusters: ['prod', 'dev'] });
    expect(getEntityClusters(component({}), { defaultCluster: 'qa' })).toEqual({
      ok: true,
      clusters: ['qa'],
    });
    expect(
      getEntityClusters(annotated(' , '), { defaultCluster: 'qa' }),
    ).toEqual({ ok: true, clusters: ['qa'] });
  });

  it('refuses a name that is not a cluster name, shown shortened', () => {
    const result = getEntityClusters(annotated(`dev,Prod_${'x'.repeat(100)}`), {
      defaultCluster: 'dev',
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe(
      `cilium.backstage.io/cluster: "Prod_${'x'.repeat(
        58,
      )}" is not a cluster name (lower-case letters, digits and '-', at most 63)`,
    );
  });

  it('gives the identity in the cluster asked for, and unknown-cluster for one it does not run in', () => {
    const entity = annotated('dev,prod');
    const prod = getWorkloadIdentity(entity, {
      defaultCluster: 'dev',
      cluster: 'prod',
    });
    expect(prod.ok && prod.identity).toMatchObject({
      cluster: 'prod',
      clusters: ['dev', 'prod'],
      namespace: 'shop',
    });
    const byDefault = getWorkloadIdentity(entity, { defaultCluster: 'qa' });
    expect(byDefault.ok && byDefault.identity.cluster).toBe('dev');
    expect(
      getWorkloadIdentity(entity, { defaultCluster: 'dev', cluster: 'qa' }),
    ).toEqual({
      ok: false,
      reason: 'unknown-cluster',
      message:
        'The entity does not run in cluster "qa"; it runs in dev, prod (cilium.backstage.io/cluster)',
    });
  });
});
