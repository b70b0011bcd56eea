import path from 'path';
import { parse } from 'yaml';
import { PolicyEngine } from '../evaluate/engine';
import { loadDirectory } from '../load/load-directory';
import { planChange } from './plan';
import type { GenerateRequest } from './types';

const examples = path.resolve(__dirname, '../../../../examples');

function engine(): PolicyEngine {
  return new PolicyEngine(
    loadDirectory([
      path.join(examples, 'gitops/policies'),
      path.join(examples, 'cluster'),
    ]),
    {
      clusterName: 'dev',
    },
  );
}

const checkout = {
  type: 'workloads' as const,
  entityRef: 'component:default/checkout',
  name: 'checkout',
  namespace: 'checkout',
  selector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } },
};
const payments = {
  type: 'workloads' as const,
  entityRef: 'component:default/payments',
  name: 'payments',
  namespace: 'checkout',
  selector: { matchLabels: { 'backstage.io/kubernetes-id': 'payments' } },
};

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    id: 'req-0a1b2c3d',
    requester: 'user:default/jane.doe',
    justification: 'Checkout takes card payments through the payments service.',
    source: checkout,
    target: payments,
    ports: [{ port: 8443, protocol: 'TCP' }],
    ...overrides,
  };
}

describe('planChange on the sample world', () => {
  const before = engine();

  it('generates the egress/ingress pair for the demo drop and adds exactly that edge', () => {
    const plan = planChange(request(), before);
    expect(plan.findings.filter(f => f.severity === 'error')).toEqual([]);
    expect(plan.policies.map(p => p.path)).toEqual([
      'policies/checkout/allow-egress-from-checkout-to-payments-req-0a1b2c3d.yaml',
      'policies/checkout/allow-ingress-to-payments-from-checkout-req-0a1b2c3d.yaml',
    ]);
    expect(plan.diff.added).toEqual([
      {
        src: 'checkout/checkout[Deployment]',
        dst: 'checkout/payments[Deployment]',
        before: 'No Connections',
        after: 'TCP 8443',
        expected: true,
      },
    ]);
    expect(plan.diff.removed).toEqual([]);
    expect(plan.diff.changed).toEqual([]);
    const egress = parse(plan.policies[0].yaml);
    expect(egress.metadata.labels['cilium.backstage.io/request-id']).toBe(
      'req-0a1b2c3d',
    );
    expect(egress.metadata.annotations['cilium.backstage.io/requester']).toBe(
      'user:default/jane.doe',
    );
    expect(egress.spec.egress[0].toEndpoints[0].matchLabels).toEqual({
      'k8s:io.kubernetes.pod.namespace': 'checkout',
      'backstage.io/kubernetes-id': 'payments',
    });
    expect(
      plan.after?.evaluate(
        { workload: 'checkout/checkout[Deployment]' },
        { workload: 'checkout/payments[Deployment]' },
        8443,
        'TCP',
      ).allowed,
    ).toBe(true);
  });

  it('is deterministic', () => {
    expect(planChange(request(), before).policies.map(p => p.yaml)).toEqual(
      planChange(request(), before).policies.map(p => p.yaml),
    );
  });

  it('refuses a connection that is already allowed and names the policies', () => {
    const plan = planChange(
      request({
        target: {
          type: 'workloads',
          entityRef: 'component:default/cart',
          name: 'cart',
          namespace: 'checkout',
          selector: { matchLabels: { 'backstage.io/kubernetes-id': 'cart' } },
        },
        ports: [{ port: 50051, protocol: 'TCP' }],
      }),
      before,
    );
    const refusal = plan.findings.find(f => f.code === 'already-allowed');
    expect(refusal?.severity).toBe('error');
    expect(refusal?.policies).toEqual(
      expect.arrayContaining([
        'CiliumNetworkPolicy checkout/allow-egress-from-checkout-to-cart-inventory-orders',
        'CiliumNetworkPolicy checkout/allow-ingress-to-cart-from-storefront-and-checkout',
      ]),
    );
    expect(plan.policies).toEqual([]);
  });

  it('completes a half grant with only the missing side (shipping → inventory)', () => {
    const plan = planChange(
      request({
        source: {
          type: 'workloads',
          entityRef: 'component:default/shipping',
          name: 'shipping',
          namespace: 'fulfilment',
          selector: { matchLabels: { 'app.kubernetes.io/name': 'shipping' } },
        },
        target: {
          type: 'workloads',
          entityRef: 'component:default/inventory',
          name: 'inventory',
          namespace: 'fulfilment',
          selector: {
            matchLabels: { 'backstage.io/kubernetes-id': 'inventory' },
          },
        },
        ports: [{ port: 50051, protocol: 'TCP' }],
      }),
      before,
    );
    expect(plan.findings.filter(f => f.severity === 'error')).toEqual([]);
    expect(plan.policies.map(p => p.side)).toEqual(['egress']);
    expect(
      plan.diff.added.map(a => `${a.src} -> ${a.dst}: ${a.after}`),
    ).toEqual([
      'fulfilment/shipping[Deployment] -> fulfilment/inventory[Deployment]: TCP 50051',
    ]);
  });

  it('opens an FQDN with toFQDNs (DNS is already proxied cluster-wide, so no extra DNS rule)', () => {
    const plan = planChange(
      request({
        source: {
          type: 'workloads',
          entityRef: 'component:default/notifications',
          name: 'notifications',
          namespace: 'fulfilment',
          selector: {
            matchLabels: { 'backstage.io/kubernetes-id': 'notifications' },
          },
        },
        target: { type: 'fqdn', name: 'api.sendgrid.com' },
        ports: [{ port: 443, protocol: 'TCP' }],
      }),
      before,
    );
    expect(plan.findings.filter(f => f.severity === 'error')).toEqual([]);
    expect(plan.policies).toHaveLength(1);
    expect(plan.policies[0].object.spec).toMatchObject({
      egress: [{ toFQDNs: [{ matchName: 'api.sendgrid.com' }] }],
    });
    expect(
      plan.diff.added.map(a => `${a.src} -> ${a.dst}: ${a.after}`),
    ).toEqual([
      'fulfilment/notifications[Deployment] -> api.sendgrid.com[FQDN]: TCP 443',
    ]);
  });

  it.each([
    [{ type: 'cilium-entity', entity: 'world' }, /cannot be requested/],
    [{ type: 'cidr', cidr: '0.0.0.0/0' }, /whole address space/],
    [{ type: 'fqdn', name: '*' }, /too broad/],
  ])('refuses %j', (target, message) => {
    const plan = planChange(request({ target: target as any }), before);
    expect(plan.findings.find(f => f.severity === 'error')?.message).toMatch(
      message,
    );
  });
});
