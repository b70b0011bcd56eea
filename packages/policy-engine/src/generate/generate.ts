import { stringify } from 'yaml';
import { ConnSet, Protocol } from '../model/connset';
import type { Workload } from '../model/inventory';
import { isPeerEntity } from '../model/entities';
import { parseCidr, formatAddress } from '../model/ip';
import { formatPolicyRef, PolicyRef, RuleRef } from '../model/policy';
import { findControlCharacter, singleLine } from '../model/text';
import type { PeerQuery, PolicyEngine } from '../evaluate/engine';
import { compileDnsPattern, dnsCovers } from '../evaluate/fqdn';
import { checkRequest, sanitize } from './guardrails';
import {
  describeTarget,
  egressPolicyName,
  EXPIRES_KEY,
  GENERATED_BY,
  ingressPolicyName,
  JUSTIFICATION_KEY,
  policyPath,
  REQUEST_ID_KEY,
  REQUESTER_KEY,
  SOURCE_KEY,
  TARGET_KEY,
} from './naming';
import { peerSelector, selectWorkloads, subjectSelector } from './selector';
import type {
  ExpectedEdge,
  Finding,
  GeneratedPolicy,
  GenerateLabelSelector,
  GeneratePort,
  GenerateRequest,
  GenerateResult,
} from './types';

/**
 * Where DNS is served when the request does not say: CoreDNS / kube-dns.
 *
 * @public
 */
export const DEFAULT_DNS_SERVER: {
  namespace: string;
  selector: GenerateLabelSelector;
} = {
  namespace: 'kube-system',
  selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};

const PORT_PROTOCOLS: Protocol[] = ['TCP', 'UDP', 'SCTP'];

/**
 * The connections a list of requested ports stands for.
 *
 * @public
 */
export function requestedConnections(ports: GeneratePort[]): ConnSet {
  let out = ConnSet.NONE;
  for (const p of ports) {
    for (const proto of p.protocol === 'ANY'
      ? PORT_PROTOCOLS
      : [p.protocol as Protocol]) {
      out = out.union(ConnSet.of(proto, p.port, p.endPort ?? p.port));
    }
  }
  return out;
}

/**
 * Human form of requested ports: `TCP 8443-8444, UDP 53`.
 *
 * @public
 */
export function describePorts(ports: GeneratePort[]): string {
  return ports
    .map(
      p =>
        `${p.protocol} ${p.port}${
          p.endPort !== undefined && p.endPort !== p.port ? `-${p.endPort}` : ''
        }`,
    )
    .join(', ');
}

/** Untrusted text for a YAML comment or value: one line, no control characters. */
function oneLine(text: string, max = 200): string {
  return singleLine(text, max);
}

function portEntries(ports: GeneratePort[]): Array<Record<string, unknown>> {
  return ports.map(p => ({
    port: String(p.port),
    ...(p.endPort !== undefined && p.endPort !== p.port
      ? { endPort: p.endPort }
      : {}),
    protocol: p.protocol,
  }));
}

function toPorts(
  request: GenerateRequest,
  withHttp: boolean,
): Array<Record<string, unknown>> {
  const http = (request.http ?? []).map(r => ({
    ...(r.method ? { method: r.method } : {}),
    ...(r.path ? { path: r.path } : {}),
  }));
  return [
    {
      ports: portEntries(request.ports),
      ...(withHttp && http.length ? { rules: { http } } : {}),
    },
  ];
}

function fqdnSelector(name: string): Record<string, string> {
  const n = name.replace(/\.$/, '').toLowerCase();
  return n.includes('*') ? { matchPattern: n } : { matchName: n };
}

/** Ports of one side the engine does not allow yet, with the rules that decided. */
interface SideGap {
  missing: boolean;
  decidedBy: Set<string>;
}

function refText(r: RuleRef | PolicyRef): string {
  return formatPolicyRef(r);
}

/** Every (protocol, port) pair of the request, for per-flow verdicts. */
function* flowsOf(ports: GeneratePort[]): Generator<[Protocol, number]> {
  for (const p of ports) {
    const end = Math.min(p.endPort ?? p.port, 65535);
    for (const proto of p.protocol === 'ANY'
      ? PORT_PROTOCOLS
      : [p.protocol as Protocol]) {
      for (let port = p.port; port <= end; port++) yield [proto, port];
    }
  }
}

function targetQueries(
  request: GenerateRequest,
  dstWorkloads: Workload[],
): Array<{ query: PeerQuery; id: string }> {
  const t = request.target;
  switch (t.type) {
    case 'workloads':
      return dstWorkloads.map(w => ({ query: { workload: w.id }, id: w.id }));
    case 'fqdn':
      return [
        {
          query: { fqdn: t.name.replace(/\*/g, 'x') },
          id: `${t.name.replace(/\.$/, '').toLowerCase()}[FQDN]`,
        },
      ];
    case 'cidr': {
      const r = parseCidr(t.cidr);
      const first = formatAddress(r.family, r.start);
      const last = formatAddress(r.family, r.end);
      return [
        { query: { ip: first }, id: t.cidr },
        ...(last !== first ? [{ query: { ip: last }, id: t.cidr }] : []),
      ];
    }
    default:
      // Guardrails allow only requestable entities, all of them graph peers.
      return isPeerEntity(t.entity)
        ? [{ query: { entity: t.entity }, id: `${t.entity}[Entity]` }]
        : [];
  }
}

function document(
  request: GenerateRequest,
  side: 'egress' | 'ingress',
  namespace: string,
  name: string,
  subject: GenerateLabelSelector,
  elements: Array<Record<string, unknown>>,
): GeneratedPolicy {
  const target = describeTarget(request.target);
  const what = `${request.source.entityRef} -> ${target} on ${describePorts(
    request.ports,
  )}`;
  const object = {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: {
      name,
      namespace,
      labels: {
        'app.kubernetes.io/managed-by': GENERATED_BY,
        [REQUEST_ID_KEY]: request.id,
      },
      annotations: {
        [REQUEST_ID_KEY]: request.id,
        [REQUESTER_KEY]: oneLine(request.requester, 255),
        [JUSTIFICATION_KEY]: oneLine(request.justification, 1000),
        [SOURCE_KEY]: oneLine(request.source.entityRef, 255),
        [TARGET_KEY]: oneLine(target, 300),
        ...(request.expiresAt ? { [EXPIRES_KEY]: request.expiresAt } : {}),
      },
    },
    spec: {
      description: oneLine(
        `${request.id}: ${
          side === 'egress' ? 'client side' : 'server side'
        } of ${what}`,
        250,
      ),
      endpointSelector: subjectSelector(subject),
      // A grant only adds allows; isolation stays the namespace baseline's job.
      enableDefaultDeny:
        side === 'egress' ? { egress: false } : { ingress: false },
      [side]: elements,
    },
  };
  const header = [
    `# Generated by Backstage for connectivity request ${request.id}; change it with a new request.`,
    `# ${
      side === 'egress'
        ? 'Client side (egress of the source)'
        : 'Server side (ingress of the destination)'
    }: ${what}.`,
    `# Requested by ${request.requester}: ${oneLine(request.justification)}`,
    ...(request.expiresAt
      ? [
          `# Temporary: expires ${request.expiresAt}; a removal request is filed then.`,
        ]
      : []),
  ]
    // Every header line is one YAML comment line, whatever the request holds.
    .map(line => `# ${oneLine(line.slice(2), 1200)}`)
    .join('\n');
  return {
    path: policyPath(request, namespace, name),
    yaml: `${header}\n${stringify(object, { lineWidth: 0 })}`,
    object,
    side,
  };
}

/**
 * Generates the least-privilege CiliumNetworkPolicy pair for a connectivity
 * request against the current policies (the engine): an egress policy on the
 * source when its egress does not allow the connection yet, an ingress policy
 * on the destination when its ingress does not (only for workload targets),
 * and a DNS rule through the DNS proxy when an egress-isolated source asks for
 * an FQDN its DNS rules do not cover. A request that is already allowed is
 * refused with the rules that allow it.
 *
 * @public
 */
export function generate(
  request: GenerateRequest,
  engine: PolicyEngine,
): GenerateResult {
  const findings: Finding[] = checkRequest(request);
  if (findings.some(f => f.severity === 'error'))
    return { policies: [], expected: [], findings };

  const sources = selectWorkloads(
    engine.workloads,
    request.source.namespace,
    request.source.selector,
  );
  if (!sources.length) {
    findings.push({
      severity: 'error',
      code: 'no-source-workloads',
      message: `No workload in namespace ${request.source.namespace} matches ${request.source.entityRef}'s selector; check its backstage.io/kubernetes-* annotations.`,
    });
  }
  const t = request.target;
  const targets =
    t.type === 'workloads'
      ? selectWorkloads(engine.workloads, t.namespace, t.selector)
      : [];
  if (t.type === 'workloads' && !targets.length) {
    findings.push({
      severity: 'error',
      code: 'no-target-workloads',
      message: `No workload in namespace ${t.namespace} matches ${t.entityRef}'s selector; check its backstage.io/kubernetes-* annotations.`,
    });
  }
  if (findings.some(f => f.severity === 'error'))
    return { policies: [], expected: [], findings };

  const egress: SideGap = { missing: false, decidedBy: new Set() };
  const ingress: SideGap = { missing: false, decidedBy: new Set() };
  const queries = targetQueries(request, targets);
  for (const src of sources) {
    for (const dst of queries) {
      for (const [proto, port] of flowsOf(request.ports)) {
        const v = engine.evaluate({ workload: src.id }, dst.query, port, proto);
        for (const [gap, sd] of [
          [egress, v.egress],
          [ingress, v.ingress],
        ] as const) {
          if (!sd.allowed) gap.missing = true;
          else sd.allowedBy.forEach(r => gap.decidedBy.add(refText(r)));
        }
        if (v.egress.allowed && v.ingress.allowed) continue;
        if (egress.missing && (ingress.missing || t.type !== 'workloads'))
          break;
      }
    }
  }

  if (!egress.missing && !ingress.missing) {
    const policies = [
      ...new Set([...egress.decidedBy, ...ingress.decidedBy]),
    ].sort();
    findings.push({
      severity: 'error',
      code: 'already-allowed',
      message: `${request.source.entityRef} can already reach ${describeTarget(
        t,
      )} on ${describePorts(request.ports)}${
        policies.length
          ? `: allowed by ${policies.join('; ')}`
          : ' (neither end is under default deny)'
      }. Nothing to request.`,
      policies,
    });
    return { policies: [], expected: [], findings };
  }

  const requested = requestedConnections(request.ports);
  const expected: ExpectedEdge[] = [];
  for (const src of sources) {
    for (const id of new Set(queries.map(q => q.id))) {
      expected.push({
        src: src.id,
        dst: id,
        conn: requested.toString(),
        kind: 'requested',
      });
    }
  }

  const policies: GeneratedPolicy[] = [];
  if (egress.missing) {
    const elements: Array<Record<string, unknown>> = [];
    const httpOnEgress = t.type !== 'workloads';
    switch (t.type) {
      case 'workloads':
        elements.push({
          toEndpoints: [peerSelector(t.namespace, t.selector)],
          toPorts: toPorts(request, false),
        });
        break;
      case 'fqdn':
        elements.push({
          toFQDNs: [fqdnSelector(t.name)],
          toPorts: toPorts(request, httpOnEgress),
        });
        break;
      case 'cidr':
        elements.push({
          toCIDRSet: [{ cidr: t.cidr }],
          toPorts: toPorts(request, httpOnEgress),
        });
        break;
      default:
        elements.push({
          toEntities: [t.entity],
          toPorts: toPorts(request, httpOnEgress),
        });
    }
    if (t.type === 'fqdn') {
      const pattern = t.name.replace(/\.$/, '').toLowerCase();
      const uncovered = sources.filter(s => {
        const profile = engine.profile(s.id)?.egress;
        return (
          profile?.isolated && !profile.dns.some(re => dnsCovers(re, pattern))
        );
      });
      if (uncovered.length) {
        const dns = request.dns ?? DEFAULT_DNS_SERVER;
        elements.push({
          toEndpoints: [peerSelector(dns.namespace, dns.selector)],
          toPorts: [
            {
              ports: [
                { port: '53', protocol: 'UDP' },
                { port: '53', protocol: 'TCP' },
              ],
              rules: { dns: [fqdnSelector(t.name)] },
            },
          ],
        });
        const servers = selectWorkloads(
          engine.workloads,
          dns.namespace,
          dns.selector,
        );
        for (const s of uncovered) {
          for (const server of servers)
            expected.push({
              src: s.id,
              dst: server.id,
              conn: 'TCP 53,UDP 53',
              kind: 'dns',
            });
        }
        findings.push({
          severity: 'info',
          code: 'dns-rule-added',
          message: `${request.source.entityRef} is egress-isolated and no DNS rule lets Cilium's DNS proxy see ${pattern}; a DNS egress rule to ${dns.namespace} port 53 is added so toFQDNs can learn its addresses.`,
        });
      }
      // compileDnsPattern is what the engine uses; keep the generated pattern within what it understands.
      compileDnsPattern(pattern);
    }
    policies.push(
      document(
        request,
        'egress',
        request.source.namespace,
        egressPolicyName(request),
        request.source.selector,
        elements,
      ),
    );
  } else {
    findings.push({
      severity: 'info',
      code: 'egress-already-allowed',
      message: `${request.source.entityRef}'s egress already allows this (${
        [...egress.decidedBy].join('; ') || 'not egress-isolated'
      }); no egress policy is needed.`,
      policies: [...egress.decidedBy],
    });
  }
  if (t.type === 'workloads') {
    if (ingress.missing) {
      policies.push(
        document(
          request,
          'ingress',
          t.namespace,
          ingressPolicyName(request),
          t.selector,
          [
            {
              fromEndpoints: [
                peerSelector(request.source.namespace, request.source.selector),
              ],
              toPorts: toPorts(request, true),
            },
          ],
        ),
      );
    } else {
      findings.push({
        severity: 'info',
        code: 'ingress-already-allowed',
        message: `${t.entityRef}'s ingress already allows this (${
          [...ingress.decidedBy].join('; ') || 'not ingress-isolated'
        }); no ingress policy is needed.`,
        policies: [...ingress.decidedBy],
      });
    }
  }
  for (const p of policies) {
    findings.push(...sanitize(p.object));
    // Last line of defence: a value that slipped past the guardrails (a label
    // from a catalog annotation, say) must not put a line break that a YAML 1.1
    // reader sees (NEL, LS, PS, CR) or any other control character in the file.
    const found = findControlCharacter(p.yaml.split('\n').join(' '));
    if (found)
      findings.push({
        severity: 'error',
        code: 'control-character',
        message: `The generated ${p.path} would contain the control character ${found.name}; check the names, labels and HTTP rules of the request.`,
      });
  }
  return { policies, expected, findings };
}
