import { REQUESTABLE_ENTITIES } from '@cilium-zero-trust/plugin-cilium-common';
import {
  CILIUM_ENTITIES,
  emptyForm,
  formFromFlow,
  toRequestBody,
} from './requestForm';

describe('requestForm', () => {
  it('builds the body, with port ranges, an HTTP rule and the expiry', () => {
    const values = emptyForm({
      targetType: 'entity',
      targetRef: 'component:default/payments',
      ports: [
        { port: '8443', endPort: '8444', protocol: 'TCP' },
        { port: '53', endPort: '', protocol: 'UDP' },
      ],
      httpMethod: 'GET',
      httpPath: '/v1/.*',
      justification: '  Card payments go through payments.  ',
      expiresOn: '2030-01-31',
    });
    expect(toRequestBody('component:default/checkout', values)).toEqual({
      body: {
        source: 'component:default/checkout',
        target: { type: 'entity', ref: 'component:default/payments' },
        ports: [
          { port: 8443, endPort: 8444, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
        http: [{ method: 'GET', path: '/v1/.*' }],
        justification: 'Card payments go through payments.',
        expiresAt: '2030-01-31T23:59:59.000Z',
      },
    });
  });

  it('says what is missing, and previews without a justification', () => {
    const values = emptyForm({ targetType: 'cidr', cidr: '203.0.113.0/24' });
    expect(toRequestBody('s', values).missing).toBe('Enter a port');
    values.ports = [{ port: '443', endPort: '80', protocol: 'TCP' }];
    expect(toRequestBody('s', values).missing).toBe(
      'The end port must not be below the port',
    );
    values.ports = [{ port: '443', endPort: '', protocol: 'TCP' }];
    expect(toRequestBody('s', values).missing).toMatch(/Say why/);
    expect(
      toRequestBody('s', values, { forPreview: true }).body?.justification,
    ).toMatch(/preview/);
  });

  it('prefills from dropped flows to entities, host names, reserved identities and addresses', () => {
    const row = {
      key: 'k',
      time: '',
      source: '',
      destination: '',
      port: '',
      l7: '',
      verdict: 'DROPPED',
      dropReason: '',
      policies: [],
    };
    expect(
      formFromFlow({
        ...row,
        destinationRef: 'component:default/payments',
        destinationPort: 8443,
        protocol: 'TCP',
      }),
    ).toEqual({
      targetType: 'entity',
      targetRef: 'component:default/payments',
      ports: [{ port: '8443', endPort: '', protocol: 'TCP' }],
    });
    expect(
      formFromFlow({
        ...row,
        destinationName: 'api.sendgrid.com',
        destinationIp: '192.0.2.7',
        destinationPort: 443,
      }),
    ).toMatchObject({
      targetType: 'fqdn',
      fqdn: 'api.sendgrid.com',
    });
    expect(
      formFromFlow({
        ...row,
        destinationReserved: 'kube-apiserver',
        destinationIp: '10.0.0.1',
      }),
    ).toMatchObject({
      targetType: 'cilium-entity',
      ciliumEntity: 'kube-apiserver',
    });
    expect(
      formFromFlow({
        ...row,
        destinationReserved: 'world',
        destinationIp: '198.51.100.4',
      }),
    ).toMatchObject({
      targetType: 'cidr',
      cidr: '198.51.100.4/32',
    });
  });
});

describe('CILIUM_ENTITIES', () => {
  it('offers exactly the entities the guardrails accept from a requester', () => {
    expect(CILIUM_ENTITIES).toEqual([...REQUESTABLE_ENTITIES]);
    expect(CILIUM_ENTITIES).not.toContain('world');
    expect(CILIUM_ENTITIES).not.toContain('all');
    expect(CILIUM_ENTITIES).not.toContain('cluster');
  });
});
