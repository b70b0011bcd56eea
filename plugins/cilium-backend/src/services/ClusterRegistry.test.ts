import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ClusterRegistry } from './ClusterRegistry';

function registry(tls: object) {
  return ClusterRegistry.fromConfig(
    new ConfigReader({
      cilium: {
        clusters: [
          { name: 'prod', hubble: { address: 'relay.example:4245', tls } },
        ],
      },
    }),
    mockServices.logger.mock(),
  );
}

describe('ClusterRegistry hubble.tls', () => {
  it('has no TLS when nothing is set', () => {
    expect(registry({}).get('prod').hubble).toEqual({
      address: 'relay.example:4245',
      tls: undefined,
    });
  });

  it.each([
    ['caFile', { caFile: '/etc/hubble/ca.crt' }],
    ['serverName', { serverName: '*.hubble-relay.cilium.io' }],
    [
      'certFile and keyFile',
      { certFile: '/etc/hubble/tls.crt', keyFile: '/etc/hubble/tls.key' },
    ],
  ])('turns TLS on when only %s is set', (_what, tls) => {
    expect(registry(tls).get('prod').hubble?.tls).toEqual({
      enabled: true,
      caFile: undefined,
      certFile: undefined,
      keyFile: undefined,
      serverName: undefined,
      ...tls,
    });
  });

  it('refuses enabled: false with TLS settings, naming them', () => {
    expect(() =>
      registry({
        enabled: false,
        caFile: '/etc/hubble/ca.crt',
        serverName: 'relay',
      }),
    ).toThrow(
      'cilium.clusters[0].hubble.tls: caFile, serverName set but enabled is false, which would connect to Hubble Relay in plaintext; remove enabled: false (TLS is implied) or remove those settings',
    );
  });

  it('refuses a client certificate without its key', () => {
    expect(() => registry({ certFile: '/etc/hubble/tls.crt' })).toThrow(
      'cilium.clusters[0].hubble.tls: mutual TLS needs both certFile and keyFile; only certFile is set',
    );
  });
});

describe('ClusterRegistry requests.path', () => {
  const pathOf = (cluster: object) =>
    ClusterRegistry.fromConfig(
      new ConfigReader({ cilium: { clusters: [{ name: 'c', ...cluster }] } }),
      mockServices.logger.mock(),
    ).get('c').requestsPath;

  it("defaults to the git policy source's path, else policies", () => {
    expect(pathOf({})).toBe('policies');
    expect(
      pathOf({ policies: { type: 'directory', path: '/srv/policies' } }),
    ).toBe('policies');
    expect(
      pathOf({
        policies: {
          type: 'git',
          url: '/srv/gitops.git',
          path: 'clusters/prod/policies',
        },
      }),
    ).toBe('clusters/prod/policies');
    expect(pathOf({ policies: { type: 'git', url: '/srv/gitops.git' } })).toBe(
      'policies',
    );
    expect(pathOf({ requests: { path: 'prod/netpol/' } })).toBe('prod/netpol');
  });

  it('refuses a path outside the repository or with odd characters', () => {
    for (const bad of ['../other', 'a/../../b', 'a b', 'a\nb', '/']) {
      expect(() => pathOf({ requests: { path: bad } })).toThrow(
        /requests\.path: .* is not a folder of the GitOps repository/,
      );
    }
  });
});
