import { ENTITIES, REQUESTABLE_ENTITIES } from '../model/entities';
import { checkRequest } from './guardrails';
import type { GenerateRequest } from './types';

function requestTo(target: GenerateRequest['target']): GenerateRequest {
  return {
    id: 'req-0a1b2c3d',
    requester: 'user:default/jane.doe',
    justification: 'Checkout needs the partner network.',
    source: {
      type: 'workloads',
      entityRef: 'component:default/checkout',
      name: 'checkout',
      namespace: 'checkout',
      selector: { matchLabels: { app: 'checkout' } },
    },
    target,
    ports: [{ port: 443, protocol: 'TCP' }],
  };
}

const cidrRequest = (cidr: string) => requestTo({ type: 'cidr', cidr });

describe('checkRequest on CIDR targets', () => {
  it.each([
    [
      '10.0.0.1/8',
      '"10.0.0.1/8" is not written the way Cilium writes it: the address has bits set after the /8 prefix; did you mean 10.0.0.0/8?',
    ],
    [
      '010.0.0.0/8',
      '"010.0.0.0/8" is not written the way Cilium writes it: a leading 0 reads as octal and 0x as hexadecimal; did you mean 8.0.0.0/8?',
    ],
    [
      '0xa.0.0.0/8',
      '"0xa.0.0.0/8" is not written the way Cilium writes it: a leading 0 reads as octal and 0x as hexadecimal; did you mean 10.0.0.0/8?',
    ],
    [
      '10.20.0.0/016',
      '"10.20.0.0/016" is not written the way Cilium writes it; did you mean 10.20.0.0/16?',
    ],
    [
      '2001:DB8:0::/32',
      '"2001:DB8:0::/32" is not written the way Cilium writes it; did you mean 2001:db8::/32?',
    ],
    [
      '2001:db8::1/32',
      '"2001:db8::1/32" is not written the way Cilium writes it: the address has bits set after the /32 prefix; did you mean 2001:db8::/32?',
    ],
  ])('refuses %s with the canonical form', (cidr, message) => {
    expect(checkRequest(cidrRequest(cidr))).toEqual([
      { severity: 'error', code: 'cidr-not-canonical', message },
    ]);
  });

  it.each(['10.20.0.0/16', '192.0.2.7/32', '2001:db8::/32'])(
    'accepts the canonical %s',
    cidr => {
      expect(
        checkRequest(cidrRequest(cidr)).filter(f => f.severity === 'error'),
      ).toEqual([]);
    },
  );

  it('refuses a CIDR longer than 64 characters before parsing it', () => {
    const cidr = `${'1'.repeat(100)}/8`;
    expect(checkRequest(cidrRequest(cidr))).toEqual([
      {
        severity: 'error',
        code: 'too-long',
        message: 'target CIDR may be at most 64 characters; it has 102.',
      },
    ]);
  });
});

const entityErrors = (entity: string) =>
  checkRequest(requestTo({ type: 'cilium-entity', entity }))
    .filter(f => f.severity === 'error')
    .map(f => f.code);

describe('checkRequest on Cilium entities', () => {
  it.each([...REQUESTABLE_ENTITIES])('accepts the requestable entity %s', e => {
    expect(entityErrors(e)).toEqual([]);
  });

  it.each(
    ENTITIES.filter(
      e => !(REQUESTABLE_ENTITIES as readonly string[]).includes(e),
    ),
  )('refuses %s, which is not requestable', e => {
    expect(entityErrors(e)).toEqual([
      expect.stringMatching(/^entity-(platform-only|unknown)$/),
    ]);
  });

  it('says why world is a platform decision, and that made-up names are not entities', () => {
    expect(entityErrors('world')).toEqual(['entity-platform-only']);
    expect(entityErrors('constructor')).toEqual(['entity-unknown']);
  });
});
