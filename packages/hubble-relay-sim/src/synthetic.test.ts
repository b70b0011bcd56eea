import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  decodeGetFlowsResponseLean,
  DirectoryManifestSource,
  GitManifestSource,
  LocalGitPublisher,
} from '@cilium-zero-trust/plugin-cilium-node';
import type { FlowJson } from '@cilium-zero-trust/plugin-cilium-node';
import { EngineVerdictSource, toSimVerdict } from './engineVerdicts';
import { encodeGetFlowsResponse } from './relayCodec';
import { SyntheticGenerator } from './synthetic';
import { timelineTime } from './timeline';
import type { SimVerdict, VerdictSource } from './verdicts';
import { loadSimWorld } from './world';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const CLUSTER = path.join(EXAMPLES, 'cluster');
const POLICIES = path.join(EXAMPLES, 'gitops', 'policies');
const CATALOG = path.join(EXAMPLES, 'catalog');

/** A grant of checkout → payments on 8443, the sample world's documented drop. */
const GRANT_CHECKOUT_TO_PAYMENTS = [
  'apiVersion: cilium.io/v2',
  'kind: CiliumNetworkPolicy',
  'metadata: { name: allow-checkout-to-payments, namespace: checkout }',
  'spec:',
  '  endpointSelector: { matchLabels: { app.kubernetes.io/name: checkout } }',
  '  egress:',
  '    - toEndpoints: [{ matchLabels: { backstage.io/kubernetes-id: payments } }]',
  "      toPorts: [{ ports: [{ port: '8443', protocol: TCP }] }]",
  '---',
  'apiVersion: cilium.io/v2',
  'kind: CiliumNetworkPolicy',
  'metadata: { name: allow-payments-from-checkout, namespace: checkout }',
  'spec:',
  '  endpointSelector: { matchLabels: { backstage.io/kubernetes-id: payments } }',
  '  ingress:',
  '    - fromEndpoints: [{ matchLabels: { app.kubernetes.io/name: checkout } }]',
  "      toPorts: [{ ports: [{ port: '8443', protocol: TCP }] }]",
  '',
].join('\n');

function generate(gen: SyntheticGenerator, n: number): FlowJson[] {
  const epoch = Date.parse('2026-03-01T00:00:00Z');
  const out: FlowJson[] = [];
  for (let k = 0; k < n; k++)
    out.push(gen.eventAt(k, timelineTime(epoch, 50, k)).flow!);
  return out;
}

const pair = (f: FlowJson) =>
  `${f.source?.namespace}/${
    f.source?.workloads?.[0]?.name ?? f.source?.labels?.join(',')
  }>${f.destination?.namespace ?? ''}/${
    f.destination?.workloads?.[0]?.name ?? f.destination_names?.[0] ?? ''
  }`;

describe('sample world', () => {
  it('maps catalog components to workloads and follows dependsOn', async () => {
    const world = await loadSimWorld({
      clusterDir: CLUSTER,
      catalogDir: CATALOG,
    });
    const cart = world.workloads.find(
      w => w.namespace === 'checkout' && w.name === 'cart',
    );
    expect(cart?.entityRef).toBe('component:default/cart');
    expect(world.workloads.find(w => w.name === 'cart-redis')?.entityRef).toBe(
      'component:default/cart-redis',
    );
    const calls = world.calls.map(
      c =>
        `${c.src.name}>${
          'name' in c.dst ? c.dst.name : c.dst.fqdn ?? c.dst.cidr
        }:${c.port}`,
    );
    expect(calls).toEqual(
      expect.arrayContaining([
        'checkout>payments:8443',
        'cart>cart-redis:6379',
      ]),
    );
    expect(calls.some(c => c.startsWith('payments>api.stripe.com'))).toBe(true);
    expect(world.dns?.namespace).toBe('kube-system');
  });
});

describe('the sample prod cluster', () => {
  it("simulates prod's subset with prod's policies: flows carry cluster prod, checkout -> orders is dropped", async () => {
    const world = await loadSimWorld({
      clusterDir: path.join(EXAMPLES, 'cluster-prod'),
      catalogDir: CATALOG,
      cluster: 'prod',
      defaultCluster: 'dev',
    });
    // components annotated dev,prod are mapped; payments (dev only) is not in prod
    expect(
      world.workloads.map(w => `${w.name}=${w.entityRef ?? ''}`).sort(),
    ).toEqual([
      'cart-redis=component:default/cart-redis',
      'cart=component:default/cart',
      'checkout=component:default/checkout',
      'coredns=component:default/cluster-dns',
      'orders=component:default/orders',
    ]);
    const verdicts = await EngineVerdictSource.create({
      clusterDir: path.join(EXAMPLES, 'cluster-prod'),
      policies: new DirectoryManifestSource(
        path.join(EXAMPLES, 'gitops', 'clusters', 'prod', 'policies'),
      ),
      pollMs: 0,
    });
    try {
      const flows = generate(
        new SyntheticGenerator(world, verdicts, {
          seed: 'prod',
          clusterName: 'prod',
        }),
        400,
      );
      const pods = flows.filter(f => f.source?.pod_name);
      expect(pods.length).toBeGreaterThan(0);
      expect(pods.every(f => f.source?.cluster_name === 'prod')).toBe(true);
      const verdictsOf = (p: string) =>
        new Set(flows.filter(f => pair(f) === p).map(f => f.verdict));
      expect(verdictsOf('checkout/checkout>fulfilment/orders')).toEqual(
        new Set(['DROPPED']),
      );
      expect(verdictsOf('checkout/checkout>checkout/cart')).toEqual(
        new Set(['FORWARDED']),
      );
    } finally {
      verdicts.close();
    }
  });
});

describe('synthetic traffic with a scripted verdict source', () => {
  it('turns verdicts into Hubble fields and is deterministic per (seed, k)', async () => {
    const world = await loadSimWorld({
      clusterDir: CLUSTER,
      catalogDir: CATALOG,
    });
    const allowAllButPayments: VerdictSource = {
      revision: 1,
      verdict: (_src, dst, port): SimVerdict =>
        dst.kind === 'workload' && dst.name === 'payments' && port === 8443
          ? {
              allowed: false,
              reason: 'denied',
              droppedAt: 'ingress',
              egressAllowedBy: [],
              ingressAllowedBy: [],
              egressDeniedBy: [],
              ingressDeniedBy: [
                {
                  kind: 'CiliumNetworkPolicy',
                  name: 'deny-x',
                  namespace: 'checkout',
                },
              ],
            }
          : {
              allowed: true,
              reason: 'allowed',
              egressAllowedBy: [
                {
                  kind: 'CiliumNetworkPolicy',
                  name: 'allow-x',
                  namespace: 'checkout',
                },
              ],
              ingressAllowedBy: [],
              egressDeniedBy: [],
              ingressDeniedBy: [],
            },
    };
    const a = generate(
      new SyntheticGenerator(world, allowAllButPayments, { seed: 7 }),
      2000,
    );
    const b = generate(
      new SyntheticGenerator(world, allowAllButPayments, { seed: 7 }),
      2000,
    );
    expect(a).toEqual(b);
    const toPayments = a.filter(
      f => f.destination?.pod_name?.startsWith('payments') && !f.is_reply,
    );
    expect(toPayments.length).toBeGreaterThan(0);
    for (const f of toPayments) {
      expect(f).toMatchObject({
        verdict: 'DROPPED',
        drop_reason_desc: 'POLICY_DENY',
        traffic_direction: 'INGRESS',
      });
      expect(f.ingress_denied_by?.[0]).toMatchObject({
        name: 'deny-x',
        namespace: 'checkout',
        kind: 'CiliumNetworkPolicy',
      });
    }
    expect(
      a
        .filter(f => f.verdict === 'FORWARDED' && !f.is_reply)
        .every(f => f.egress_allowed_by?.[0]?.name === 'allow-x'),
    ).toBe(true);
    expect(new Set(a.map(f => f.uuid)).size).toBe(a.length);
    // Every event encodes and the lean decoder reads it back.
    for (const f of a.slice(0, 200)) {
      const r = decodeGetFlowsResponseLean(encodeGetFlowsResponse({ flow: f }));
      expect(r.kind === 'flow' && r.flow.uuid).toBe(f.uuid);
    }
  });
});

describe('synthetic traffic with verdicts from the policy engine', () => {
  let tmp: string;
  afterEach(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('forwards granted calls with *_allowed_by, drops missing grants, and re-reads changed policies', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-sim-policies-'));
    fs.cpSync(POLICIES, tmp, { recursive: true });
    const world = await loadSimWorld({
      clusterDir: CLUSTER,
      catalogDir: CATALOG,
    });
    const verdicts = await EngineVerdictSource.create({
      clusterDir: CLUSTER,
      policies: new DirectoryManifestSource(tmp),
      pollMs: 0,
    });
    const flows = generate(
      new SyntheticGenerator(world, verdicts, { seed: 'engine' }),
      4000,
    );
    const requests = flows.filter(f => !f.is_reply);

    // Granted by the sample policies: checkout → cart on 50051.
    const toCart = requests.filter(
      f => pair(f) === 'checkout/checkout>checkout/cart',
    );
    expect(toCart.length).toBeGreaterThan(0);
    for (const f of toCart) {
      expect(f.verdict).toBe('FORWARDED');
      expect(f.egress_allowed_by?.map(p => p.name)).toContain(
        'allow-egress-from-checkout-to-cart-inventory-orders',
      );
      expect(f.ingress_allowed_by?.length).toBeGreaterThan(0);
    }
    // The documented drift: checkout → payments 8443 has no grant.
    const toPayments = requests.filter(
      f => pair(f) === 'checkout/checkout>checkout/payments',
    );
    expect(toPayments.length).toBeGreaterThan(0);
    for (const f of toPayments) {
      expect(f).toMatchObject({
        verdict: 'DROPPED',
        drop_reason_desc: 'POLICY_DENIED',
        drop_reason: 133,
      });
    }
    // DNS lookups to kube-dns, with L7 DNS records when allowed.
    const dns = flows.filter(f => f.l7?.dns);
    expect(dns.length).toBeGreaterThan(100);
    expect(
      dns.every(
        f =>
          f.destination?.namespace === 'kube-system' &&
          f.verdict === 'FORWARDED',
      ),
    ).toBe(true);
    // HTTP L7 flows exist too.
    expect(flows.some(f => f.l7?.http)).toBe(true);

    // Grant checkout → payments in the GitOps folder; the source sees the change.
    fs.writeFileSync(
      path.join(tmp, 'checkout', 'zz-allow-checkout-to-payments.yaml'),
      GRANT_CHECKOUT_TO_PAYMENTS,
    );
    expect(await verdicts.reloadIfChanged()).toBe(true);
    expect(verdicts.revision).toBe(2);
    const after = generate(
      new SyntheticGenerator(world, verdicts, { seed: 'engine' }),
      4000,
    ).filter(
      f => !f.is_reply && pair(f) === 'checkout/checkout>checkout/payments',
    );
    expect(after.length).toBeGreaterThan(0);
    for (const f of after) {
      expect(f.verdict).toBe('FORWARDED');
      expect(f.egress_allowed_by?.map(p => p.name)).toEqual([
        'allow-checkout-to-payments',
      ]);
      expect(f.ingress_allowed_by?.map(p => p.name)).toEqual([
        'allow-payments-from-checkout',
      ]);
      expect(f.egress_allowed_by?.[0].revision).toBe('2');
    }
    verdicts.close();
  });

  it('follows the GitOps repository branch: waits for it, then re-reads when a change is merged', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-sim-git-'));
    const repo = path.join(tmp, 'gitops.git');
    const policies = new GitManifestSource({
      url: repo,
      branch: 'main',
      path: 'policies',
      refreshSeconds: 0,
    });
    // The backend has not created its repository yet: the stand-in is told why it waits.
    await expect(
      EngineVerdictSource.create({ clusterDir: CLUSTER, policies, pollMs: 0 }),
    ).rejects.toThrow(/gitops\.git/);

    const publisher = new LocalGitPublisher({
      path: repo,
      seedFrom: path.join(EXAMPLES, 'gitops'),
    });
    await publisher.init();
    const verdicts = await EngineVerdictSource.create({
      clusterDir: CLUSTER,
      policies,
      pollMs: 0,
    });
    const world = await loadSimWorld({
      clusterDir: CLUSTER,
      catalogDir: CATALOG,
    });
    const toPayments = () =>
      generate(
        new SyntheticGenerator(world, verdicts, { seed: 'git' }),
        4000,
      ).filter(
        f => !f.is_reply && pair(f) === 'checkout/checkout>checkout/payments',
      );
    expect(new Set(toPayments().map(f => f.verdict))).toEqual(
      new Set(['DROPPED']),
    );
    expect(await verdicts.reloadIfChanged()).toBe(false);

    // A request branch is not the policy source until it is merged.
    const change = {
      id: 'req-sim',
      kind: 'grant' as const,
      title: 'Allow checkout to reach payments',
      summary: 'checkout → payments TCP 8443',
      requester: 'user:default/jane.doe',
      justification: 'card payments',
      files: [
        {
          path: 'policies/checkout/allow-checkout-to-payments.yaml',
          content: GRANT_CHECKOUT_TO_PAYMENTS,
        },
      ],
      diff: { added: [], removed: [] },
      findings: [],
      approvals: [],
    };
    const publication = await publisher.publish(change);
    expect(await verdicts.reloadIfChanged()).toBe(false);
    await publisher.merge(change, publication);
    expect(await verdicts.reloadIfChanged()).toBe(true);
    const after = toPayments();
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map(f => f.verdict))).toEqual(new Set(['FORWARDED']));
    verdicts.close();
  });

  it('maps explicit denies to *_denied_by and default deny to POLICY_DENIED only', () => {
    const side = (o: object) => ({
      allowed: false,
      isolatedBy: [],
      allowedBy: [],
      deniedBy: [],
      ...o,
    });
    const ref = {
      kind: 'CiliumNetworkPolicy',
      name: 'deny-db',
      namespace: 'fulfilment',
    };
    expect(
      toSimVerdict({
        allowed: false,
        reason: 'denied',
        droppedAt: 'ingress',
        egress: side({ allowed: true }),
        ingress: side({ deniedBy: [ref, ref] }),
      }),
    ).toMatchObject({
      allowed: false,
      reason: 'denied',
      droppedAt: 'ingress',
      ingressDeniedBy: [ref],
      egressDeniedBy: [],
    });
    expect(
      toSimVerdict({
        allowed: false,
        reason: 'default-deny',
        droppedAt: 'egress',
        egress: side({ isolatedBy: [ref] }),
        ingress: side({}),
      }),
    ).toMatchObject({
      reason: 'default-deny',
      egressDeniedBy: [],
      ingressDeniedBy: [],
    });
  });
});
