import { Entity } from '@backstage/catalog-model';
import { getWorkloadIdentity, isCiliumAnnotated } from './workloadIdentity';

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
