import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ciliumPlugin } from '../plugin';
import {
  eventually,
  examples,
  sampleEntities,
} from '../__testUtils__/sampleWorld';

describe('connectivity route over the sample world', () => {
  jest.setTimeout(30000);

  async function start(
    permission:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
    policiesPath = path.join(examples, 'gitops/policies'),
  ) {
    return startTestBackend({
      features: [
        ciliumPlugin,
        mockServices.rootConfig.factory({
          data: {
            cilium: {
              clusters: [
                {
                  name: 'dev',
                  policies: {
                    type: 'directory',
                    path: policiesPath,
                    url: 'https://git.example.com/gitops/blob/main/policies/{path}',
                  },
                  workloads: {
                    type: 'manifests',
                    path: path.join(examples, 'cluster'),
                  },
                },
              ],
            },
          },
        }),
        catalogServiceMock.factory({ entities: sampleEntities() }),
        mockServices.permissions.factory({ result: permission }),
      ],
    });
  }

  async function connectivityOf(server: any, name: string) {
    return eventually(async () => {
      const res = await request(server)
        .get(`/api/cilium/entities/component/default/${name}/connectivity`)
        .set('authorization', mockCredentials.user.header());
      if (res.status !== 200)
        throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
      // wait until the catalog index is built (peers become entities)
      return res.body.egress.some((e: any) => e.peer.type === 'entity')
        ? res.body
        : undefined;
    });
  }

  it("lists checkout's allowed peers with ports and the rules on both sides, its coverage and drift", async () => {
    const backend = await start();
    try {
      const body = await connectivityOf(backend.server, 'checkout');
      expect(body.workloads).toEqual(['checkout/checkout[Deployment]']);
      expect(body.coverage).toEqual([
        expect.objectContaining({
          ingress: expect.objectContaining({ isolated: true }),
          egress: expect.objectContaining({ isolated: true }),
        }),
      ]);
      const toCart = body.egress.find(
        (e: any) => e.peer.id === 'component:default/cart',
      );
      expect(toCart.ports).toBe('TCP 50051');
      expect(toCart.egressAllowedBy[0]).toMatchObject({
        kind: 'CiliumNetworkPolicy',
        namespace: 'checkout',
        path: 'checkout/allow-egress-from-checkout-to-cart-inventory-orders.yaml',
        url: 'https://git.example.com/gitops/blob/main/policies/checkout/allow-egress-from-checkout-to-cart-inventory-orders.yaml',
        direction: 'egress',
        deny: false,
      });
      expect(toCart.ingressAllowedBy[0]).toMatchObject({
        path: 'checkout/allow-ingress-to-cart-from-storefront-and-checkout.yaml',
        direction: 'ingress',
      });
      // No policy allows checkout → payments (the demo's missing grant).
      expect(
        body.egress.find(
          (e: any) => e.peer.id === 'component:default/payments',
        ),
      ).toBeUndefined();
      // DNS through the cluster-wide policy.
      const dns = body.egress.find(
        (e: any) => e.peer.id === 'component:default/cluster-dns',
      );
      expect(dns.ports).toMatch(/UDP 53/);
      expect(dns.egressAllowedBy.map((r: any) => r.kind)).toContain(
        'CiliumClusterwideNetworkPolicy',
      );
      // Ingress from the storefront only.
      expect(body.ingress.map((e: any) => e.peer.id)).toContain(
        'component:default/storefront',
      );

      const drift = body.drift.map((d: any) => `${d.kind} ${d.peer}`);
      expect(drift).toContain(
        'declared-not-allowed component:default/payments',
      );
      expect(drift).toContain(
        'allowed-not-declared component:default/inventory',
      );
      expect(drift).not.toContain(
        'declared-not-allowed component:default/cart',
      );
    } finally {
      await backend.stop();
    }
  });

  it('maps FQDN egress to the Resource entity that stands for it, and keeps L7 rules on the edge', async () => {
    const backend = await start();
    try {
      const payments = await connectivityOf(backend.server, 'payments');
      const stripe = payments.egress.find(
        (e: any) => e.peer.id === 'resource:default/stripe-api',
      );
      expect(stripe).toMatchObject({
        ports: 'TCP 443',
        peer: { type: 'entity', workload: 'api.stripe.com' },
      });

      const storefront = await connectivityOf(backend.server, 'storefront');
      const identity = storefront.egress.find(
        (e: any) => e.peer.id === 'component:default/identity',
      );
      expect(identity.l7.length).toBeGreaterThan(0);
      expect(identity.l7[0]).toMatchObject({ type: 'http' });
      expect(JSON.stringify(identity.l7[0].rules)).toMatch(/oauth2/);
      const fromIngress = storefront.ingress.find(
        (e: any) => e.peer.type === 'cilium-entity',
      );
      expect(fromIngress).toMatchObject({ peer: { id: 'ingress' } });
    } finally {
      await backend.stop();
    }
  });

  it('serves a policy file by path, and refuses paths that try to leave the source', async () => {
    const backend = await start();
    try {
      const ok = await request(backend.server)
        .get(
          '/api/cilium/clusters/dev/policy-file?path=checkout/default-deny.yaml',
        )
        .set('authorization', mockCredentials.user.header());
      expect(ok.status).toBe(200);
      expect(ok.body.yaml).toContain('CiliumNetworkPolicy');
      const bad = await request(backend.server)
        .get('/api/cilium/clusters/dev/policy-file?path=../../etc/passwd')
        .set('authorization', mockCredentials.user.header());
      expect(bad.status).toBe(400);
      const missing = await request(backend.server)
        .get('/api/cilium/clusters/dev/policy-file?path=checkout/nope.yaml')
        .set('authorization', mockCredentials.user.header());
      expect(missing.status).toBe(404);
    } finally {
      await backend.stop();
    }
  });

  it('serves policy files only to users allowed cilium.policy.read, and only files that hold policies', async () => {
    const policies = fs.mkdtempSync(path.join(os.tmpdir(), 'policies-'));
    fs.cpSync(path.join(examples, 'gitops/policies'), policies, {
      recursive: true,
    });
    fs.writeFileSync(
      path.join(policies, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n',
    );
    fs.writeFileSync(path.join(policies, 'notes.json'), '{"password": "x"}');
    const allowed = await start(AuthorizeResult.ALLOW, policies);
    const denied = await start(AuthorizeResult.DENY, policies);
    const get = (server: any, file: string) =>
      request(server).get(`/api/cilium/clusters/dev/policy-file?path=${file}`);
    try {
      for (const other of ['kustomization.yaml', 'notes.json']) {
        const res = await get(allowed.server, other).set(
          'authorization',
          mockCredentials.user.header(),
        );
        expect(res.status).toBe(404);
      }
      const noPermission = await get(
        denied.server,
        'checkout/default-deny.yaml',
      ).set('authorization', mockCredentials.user.header());
      expect(noPermission.status).toBe(403);
      expect(noPermission.body.error.message).toContain('cilium.policy.read');
      const service = await get(
        allowed.server,
        'checkout/default-deny.yaml',
      ).set('authorization', mockCredentials.service.header());
      expect(service.status).toBe(403);
      const anonymous = await get(
        allowed.server,
        'checkout/default-deny.yaml',
      ).set('authorization', mockCredentials.none.header());
      expect(anonymous.status).toBe(401);
    } finally {
      await allowed.stop();
      await denied.stop();
      fs.rmSync(policies, { recursive: true, force: true });
    }
  });

  it('refuses connectivity without cilium.flows.read', async () => {
    const backend = await start(AuthorizeResult.DENY);
    try {
      const res = await request(backend.server)
        .get('/api/cilium/entities/component/default/checkout/connectivity')
        .set('authorization', mockCredentials.user.header());
      expect(res.status).toBe(403);
    } finally {
      await backend.stop();
    }
  });
});
