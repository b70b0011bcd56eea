import { checkRequest } from '../generate/guardrails';
import type { GenerateRequest } from '../generate/types';
import { parseCiliumPolicy } from '../parse/policy-cilium';
import {
  compileDnsPattern,
  dnsCovers,
  isDnsName,
  isDnsPattern,
  MAX_DNS_NAME_LENGTH,
} from './fqdn';

/** The regular expression compileDnsPattern used to build: the reference for small inputs. */
function referenceRegExp(pattern: string): RegExp {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p === '*') return /^.*$/;
  const body = p
    .split('')
    .map(c =>
      c === '*' ? '[-a-z0-9_]*' : c.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

describe('compileDnsPattern', () => {
  const patterns = [
    '*',
    'api.example.com',
    '*.example.com',
    'api-*.example.com',
    '*-api*.example.com',
    'a*b*c.example.com',
    '**.example.com',
    '*.*.example.com',
    'Example.COM.',
    'x*',
    '*x*y*',
  ];
  const names = [
    'api.example.com',
    'a.example.com',
    '.example.com',
    'example.com',
    'api-eu.example.com',
    'api-.example.com',
    'eu-api.example.com',
    'eu-api-1.example.com',
    'abc.example.com',
    'aXbc.example.com',
    'a.b.example.com',
    'ab_c.example.com',
    'a.bc.example.com',
    'x',
    'xy',
    'xay',
    'yx',
    'x.y',
    'x-y!y',
    'example.com',
    '',
  ];

  it.each(patterns)('matches %s exactly as the old regular expression', p => {
    const compiled = compileDnsPattern(p);
    const reference = referenceRegExp(p);
    for (const name of names)
      expect([name, compiled.test(name)]).toEqual([name, reference.test(name)]);
  });

  it('answers many-star patterns against long names (no backtracking blow-up)', () => {
    const pattern = `${'*a'.repeat(100)}.example.com`;
    const name = `${'a'.repeat(200)}b.example.com`;
    expect(compileDnsPattern(pattern).test(name)).toBe(false);
    expect(
      compileDnsPattern(pattern).test(`${'a'.repeat(200)}.example.com`),
    ).toBe(true);
  });

  it('covers a peer pattern by a sample name', () => {
    expect(dnsCovers(compileDnsPattern('*.example.com'), '*.example.com')).toBe(
      true,
    );
    expect(
      dnsCovers(compileDnsPattern('api.example.com'), '*.example.com'),
    ).toBe(false);
  });

  it('gives the same answers when asked again, also past the answers it remembers', () => {
    const rule = compileDnsPattern('*.shop.example.com');
    const peers = Array.from({ length: 5000 }, (_, i) =>
      i % 3 === 0 ? `svc-${i}.shop.example.com` : `svc-${i}.example.org`,
    );
    const first = peers.map(p => dnsCovers(rule, p));
    expect(first.filter(Boolean)).toHaveLength(1667);
    expect(peers.map(p => dnsCovers(rule, p))).toEqual(first);
    expect(dnsCovers(rule, 'SVC-0.Shop.Example.COM.')).toBe(true);
    expect(dnsCovers(compileDnsPattern('*.example.org'), peers[1])).toBe(true);
  });
});

describe('DNS name validation', () => {
  it.each([
    ['api.example.com', 'api.example.com', true, true],
    ['api.example.com.', 'api.example.com.', true, true],
    ['under_score.example.com', 'under_score.example.com', true, true],
    ['a..b', 'a..b', false, false],
    ['.a', '.a', false, false],
    ['', '', false, false],
    ['a b.com', 'a b.com', false, false],
    ['*.example.com', '*.example.com', false, true],
    ['api-*.example.com', 'api-*.example.com', false, true],
    ['255 letters', 'a'.repeat(MAX_DNS_NAME_LENGTH), true, true],
    ['256 letters', 'a'.repeat(MAX_DNS_NAME_LENGTH + 1), false, false],
  ])('%s → name %s, pattern %s', (_label, text, name, pattern) => {
    expect(isDnsName(text)).toBe(name);
    expect(isDnsPattern(text)).toBe(pattern);
  });
});

describe('length limits on request and policy input', () => {
  const request = (
    target: GenerateRequest['target'],
    http?: GenerateRequest['http'],
  ): GenerateRequest => ({
    id: 'req-0a1b2c3d',
    requester: 'user:default/jane.doe',
    justification: 'Checkout needs the partner API.',
    source: {
      type: 'workloads',
      entityRef: 'component:default/checkout',
      name: 'checkout',
      namespace: 'checkout',
      selector: { matchLabels: { app: 'checkout' } },
    },
    target,
    ports: [{ port: 443, protocol: 'TCP' }],
    http,
  });

  it('refuses an FQDN over 255 characters before looking at its characters', () => {
    const name = `${'a'.repeat(300)}!`;
    const findings = checkRequest(request({ type: 'fqdn', name }));
    expect(findings).toEqual([
      {
        severity: 'error',
        code: 'fqdn-too-long',
        message: `A domain name may be at most 255 characters; "${'a'.repeat(
          40,
        )}…" has 301.`,
      },
    ]);
  });

  it('accepts an FQDN at the limit and refuses a name with a character DNS does not allow', () => {
    const atLimit = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(
      60,
    )}.${'d'.repeat(60)}.example.com`.slice(-255);
    expect(
      checkRequest(request({ type: 'fqdn', name: atLimit })).filter(
        f => f.severity === 'error',
      ),
    ).toEqual([]);
    const findings = checkRequest(
      request({ type: 'fqdn', name: `${'a'.repeat(20)}!` }),
    );
    expect(findings.map(f => f.code)).toEqual(['fqdn-invalid']);
  });

  it('refuses an HTTP path over 1024 characters with the limit in the message', () => {
    const findings = checkRequest(
      request(
        {
          type: 'workloads',
          entityRef: 'component:default/payments',
          name: 'payments',
          namespace: 'checkout',
          selector: { matchLabels: { app: 'payments' } },
        },
        [{ method: 'GET', path: `/${'a'.repeat(1024)}` }],
      ),
    );
    expect(findings).toEqual([
      {
        severity: 'error',
        code: 'http-too-long',
        message:
          'An HTTP path or method may be at most 1024 characters; this one has 1025.',
      },
    ]);
  });

  it('refuses a policy matchName or matchPattern over 255 characters', () => {
    const policy = (fqdn: Record<string, string>) => ({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'p', namespace: 'n' },
      spec: { endpointSelector: {}, egress: [{ toFQDNs: [fqdn] }] },
    });
    const long = `${'a'.repeat(256)}`;
    expect(
      parseCiliumPolicy(
        policy({ matchName: long }),
        'CiliumNetworkPolicy',
      ).errors.join(' '),
    ).toContain(`invalid matchName "${long}"`);
    expect(
      parseCiliumPolicy(
        policy({ matchPattern: `*${long}` }),
        'CiliumNetworkPolicy',
      ).errors.join(' '),
    ).toContain('invalid matchPattern');
    expect(
      parseCiliumPolicy(
        policy({ matchPattern: '*.example.com' }),
        'CiliumNetworkPolicy',
      ).errors,
    ).toEqual([]);
  });
});
