import type { LeanFlow } from '@cilium-zero-trust/plugin-cilium-node';
import { planChange } from '@cilium-zero-trust/cilium-policy-engine';
import { replayFlows } from './replay';
import { sampleEngine } from '../__testUtils__/sampleWorld';

function flow(options: {
  verdict: string;
  dstApp: Record<string, string>;
  port: number;
  uuid: string;
}): LeanFlow {
  const endpoint = (
    ns: string,
    labels: Record<string, string>,
    pod: string,
  ) => ({
    identity: 1000,
    namespace: ns,
    podName: pod,
    labels: [
      ...Object.entries(labels).map(([k, v]) => `k8s:${k}=${v}`),
      `k8s:io.kubernetes.pod.namespace=${ns}`,
    ],
    workloads: [],
  });
  return {
    timeSeconds: 1893456000,
    timeNanos: 0,
    timeMs: 1893456000000,
    uuid: options.uuid,
    verdict: options.verdict,
    dropReason: options.verdict === 'DROPPED' ? 'POLICY_DENIED' : '',
    flowType: 'L3_L4',
    nodeName: 'node-1',
    sourceIp: '10.0.0.1',
    destinationIp: '10.0.0.2',
    protocol: 'TCP',
    sourcePort: 40000,
    destinationPort: options.port,
    source: endpoint(
      'checkout',
      { 'app.kubernetes.io/name': 'checkout' },
      'checkout-1',
    ),
    destination: endpoint('checkout', options.dstApp, 'dst-1'),
    destinationNames: [],
    trafficDirection: 'EGRESS',
    isReply: false,
    policyMatchType: 0,
    l7Type: '',
    l7Protocol: '',
    l7Summary: '',
    egressAllowedBy: [],
    ingressAllowedBy: [],
    egressDeniedBy: [],
    ingressDeniedBy: [],
    raw: Buffer.alloc(0),
  };
}

describe('replayFlows', () => {
  it('lists the recent drops the demo request would allow, and nothing else', () => {
    const before = sampleEngine();
    const plan = planChange(
      {
        id: 'req-0a1b2c3d',
        requester: 'user:default/jane.doe',
        justification:
          'Checkout takes card payments through the payments service.',
        source: {
          type: 'workloads',
          entityRef: 'component:default/checkout',
          name: 'checkout',
          namespace: 'checkout',
          selector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } },
        },
        target: {
          type: 'workloads',
          entityRef: 'component:default/payments',
          name: 'payments',
          namespace: 'checkout',
          selector: {
            matchLabels: { 'backstage.io/kubernetes-id': 'payments' },
          },
        },
        ports: [{ port: 8443, protocol: 'TCP' }],
      },
      before,
    );
    const payments = { 'backstage.io/kubernetes-id': 'payments' };
    const cart = { 'backstage.io/kubernetes-id': 'cart' };
    const replay = replayFlows(
      [
        flow({ verdict: 'DROPPED', dstApp: payments, port: 8443, uuid: 'a' }),
        flow({ verdict: 'DROPPED', dstApp: payments, port: 8443, uuid: 'a' }), // duplicate
        flow({ verdict: 'DROPPED', dstApp: payments, port: 9999, uuid: 'b' }), // other port stays dropped
        flow({ verdict: 'FORWARDED', dstApp: cart, port: 50051, uuid: 'c' }), // already allowed
      ],
      before,
      plan.after!,
    );
    expect(replay.flowsReplayed).toBe(3);
    expect(replay.newlyAllowed).toEqual([
      {
        time: '2030-01-01T00:00:00.000Z',
        source: 'checkout/checkout-1',
        destination: 'checkout/dst-1',
        port: 8443,
        protocol: 'TCP',
      },
    ]);
    expect(replay.newlyDropped).toEqual([]);
  });
});
