import { ConfigReader } from '@backstage/config';
import { ConnectivityRequest } from '@cilium-zero-trust/plugin-cilium-common';
import { renderChangeBody } from '@cilium-zero-trust/plugin-cilium-node';
import { buildChange } from './changes';
import { requestLinksFromConfig } from './portalLinks';

const request: ConnectivityRequest = {
  id: 'req-1a2b3c4d',
  kind: 'grant',
  state: 'approved',
  cluster: 'dev',
  clusters: ['dev'],
  source: 'component:default/checkout',
  target: { type: 'entity', ref: 'component:default/payments' },
  ports: [{ port: 8443, protocol: 'TCP' }],
  justification: 'Card payments',
  requester: 'user:default/jane.doe',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  policies: [],
  findings: [],
  diff: { added: [], removed: [] },
  replay: { flowsReplayed: 0, newlyAllowed: [], newlyDropped: [] },
  approvals: [],
  destinationOwners: [],
  consentNeeded: false,
};

function links(data: object) {
  return requestLinksFromConfig(new ConfigReader(data));
}

describe('requestLinksFromConfig', () => {
  it('links pull request bodies to app.baseUrl plus the configured portal path', () => {
    const linkFor = links({
      app: { baseUrl: 'https://portal.example.com' },
      cilium: { requests: { portalPath: '/platform/network/' } },
    });
    const body = renderChangeBody(buildChange(request, linkFor(request.id)));
    expect(body).toContain(
      '([request in Backstage](https://portal.example.com/platform/network/requests/req-1a2b3c4d))',
    );
    expect(body).not.toContain('/cilium/');
  });

  it('uses /cilium when no portal path is configured, and keeps a base path of app.baseUrl', () => {
    expect(
      links({ app: { baseUrl: 'https://example.com/backstage/' } })('req-1'),
    ).toBe('https://example.com/backstage/cilium/requests/req-1');
  });

  it('puts no link in the body without app.baseUrl', () => {
    const linkFor = links({});
    expect(linkFor('req-1')).toBeUndefined();
    expect(renderChangeBody(buildChange(request, undefined))).not.toContain(
      'request in Backstage',
    );
  });

  it('refuses a portal path that is not a URL path', () => {
    for (const portalPath of ['cilium', '/a b', '/x/../y', '/x?y=1', '//x']) {
      expect(() =>
        links({
          app: { baseUrl: 'https://portal.example.com' },
          cilium: { requests: { portalPath } },
        }),
      ).toThrow(/cilium.requests.portalPath .* is not a URL path/);
    }
  });
});
