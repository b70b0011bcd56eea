import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_CILIUM_CIDR,
  ANNOTATION_CILIUM_FQDN,
} from '@cilium-zero-trust/plugin-cilium-common';
import { parseCidr } from '@cilium-zero-trust/cilium-policy-engine';
import { toPeer } from '../connectivity/toApi';
import { kubernetesComponent } from '../__testUtils__/sampleWorld';
import { EntityWorkloadIndex } from './EntityWorkloadIndex';

function resource(name: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'external-api', owner: 'team-a' },
  };
}

const component = kubernetesComponent(
  'checkout',
  'shop',
  'app=checkout,tier notin (batch)',
);

const index = new EntityWorkloadIndex(
  [
    component,
    resource('wildcard', { [ANNOTATION_CILIUM_FQDN]: '*.example.com' }),
    resource('exact', { [ANNOTATION_CILIUM_FQDN]: 'api.partner.io.' }),
    // host bits are truncated, as the policy engine and Cilium do
    resource('office', { [ANNOTATION_CILIUM_CIDR]: '10.20.1.7/16, nonsense' }),
  ],
  'dev',
);

describe('EntityWorkloadIndex', () => {
  it('gives *.example.com the meaning Cilium gives it: one DNS label', () => {
    expect(index.lookupExternal(['b.example.com'], '')).toBe(
      'resource:default/wildcard',
    );
    expect(index.lookupExternal(['B.Example.COM.'], '')).toBe(
      'resource:default/wildcard',
    );
    expect(index.lookupExternal(['a.b.example.com'], '')).toBeUndefined();
    expect(index.lookupExternal(['example.com'], '')).toBeUndefined();
    expect(index.lookupExternal(['api.partner.io'], '')).toBe(
      'resource:default/exact',
    );
  });

  it('maps addresses and ranges inside an annotated CIDR', () => {
    expect(index.lookupExternal([], '10.20.200.1')).toBe(
      'resource:default/office',
    );
    expect(index.lookupExternal([], '::ffff:10.20.0.9')).toBe(
      'resource:default/office',
    );
    expect(index.lookupExternal([], '10.21.0.1')).toBeUndefined();
    expect(index.lookupRange('10.20.4.0', '10.20.4.255')).toBe(
      'resource:default/office',
    );
    expect(index.lookupRange('10.20.255.0', '10.21.0.255')).toBeUndefined();
  });

  it('maps pods by the label selector of their entity', () => {
    expect(index.lookupPod('dev', 'shop', ['k8s:app=checkout'], 0)).toBe(
      'component:default/checkout',
    );
    expect(
      index.lookupPod('dev', 'shop', ['k8s:app=checkout', 'k8s:tier=batch'], 0),
    ).toBeUndefined();
    expect(index.lookupPod('dev', 'other', ['k8s:app=checkout'], 0)).toBe(
      undefined,
    );
  });
});

describe("the Network tab's peer mapping", () => {
  it('does not map a deeper policy FQDN pattern to a *.example.com entity', () => {
    expect(
      toPeer(
        {
          type: 'fqdn',
          id: 'fqdn:*.b.example.com',
          pattern: '*.b.example.com',
        },
        'dev',
        index,
      ),
    ).toEqual({ type: 'fqdn', id: '*.b.example.com' });
    expect(
      toPeer(
        {
          type: 'fqdn',
          id: 'fqdn:a.b.example.com',
          pattern: 'a.b.example.com',
        },
        'dev',
        index,
      ),
    ).toEqual({ type: 'fqdn', id: 'a.b.example.com' });
    expect(
      toPeer(
        { type: 'fqdn', id: 'fqdn:*.example.com', pattern: '*.example.com' },
        'dev',
        index,
      ),
    ).toEqual({
      type: 'entity',
      id: 'resource:default/wildcard',
      workload: '*.example.com',
    });
  });

  it('maps an external range inside an annotated CIDR to its entity', () => {
    const r = parseCidr('10.20.8.0/24');
    expect(
      toPeer(
        { type: 'external', id: 'x', family: 4, start: r.start, end: r.end },
        'dev',
        index,
      ),
    ).toEqual({
      type: 'entity',
      id: 'resource:default/office',
      workload: '10.20.8.0-10.20.8.255',
    });
  });
});

describe('EntityWorkloadIndex with several clusters', () => {
  const inDevAndProd: Entity = {
    ...kubernetesComponent('orders', 'shop', 'app=orders'),
  };
  inDevAndProd.metadata.annotations!['cilium.backstage.io/cluster'] =
    'dev,prod';
  const prodOnly = kubernetesComponent('ledger', 'books', 'app=ledger');
  prodOnly.metadata.annotations!['cilium.backstage.io/cluster'] = 'prod';
  const multi = new EntityWorkloadIndex(
    [inDevAndProd, prodOnly, kubernetesComponent('cart', 'shop', 'app=cart')],
    'dev',
  );

  it("registers an entity's claim in each cluster it runs in, and only there", () => {
    const labels = ['k8s:app=orders'];
    expect(multi.lookupPod('dev', 'shop', labels, 0)).toBe(
      'component:default/orders',
    );
    expect(multi.lookupPod('prod', 'shop', labels, 0)).toBe(
      'component:default/orders',
    );
    // no annotation: the default cluster only
    expect(multi.lookupPod('prod', 'shop', ['k8s:app=cart'], 0)).toBe(
      undefined,
    );
    expect(multi.lookupPod('dev', 'shop', ['k8s:app=cart'], 0)).toBe(
      'component:default/cart',
    );
    expect(multi.lookupPod('dev', 'books', ['k8s:app=ledger'], 0)).toBe(
      undefined,
    );
    expect(multi.namespaces('prod')).toEqual(['books', 'shop']);
    expect(multi.namespaces('dev')).toEqual(['shop']);
  });
});
