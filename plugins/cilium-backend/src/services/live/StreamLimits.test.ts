import { ConfigReader } from '@backstage/config';
import { mockCredentials } from '@backstage/backend-test-utils';
import { StreamLimits, TooManyStreamsError } from './StreamLimits';

const options = {
  maxTotal: 3,
  maxPerPrincipal: 2,
  maxDurationSeconds: 600,
  allowServices: false,
};

describe('StreamLimits', () => {
  it('caps streams per user and in total, and a release gives exactly one place back', () => {
    const limits = new StreamLimits(options, () => 0);
    const a1 = limits.acquire(mockCredentials.user('user:default/a'));
    limits.acquire(mockCredentials.user('user:default/a'));
    expect(() =>
      limits.acquire(mockCredentials.user('user:default/a')),
    ).toThrow(TooManyStreamsError);
    limits.acquire(mockCredentials.user('user:default/b'));
    expect(() =>
      limits.acquire(mockCredentials.user('user:default/c')),
    ).toThrow(/at most 3 live flow streams/);
    a1.release();
    a1.release();
    expect(limits.openCount).toBe(2);
    limits.acquire(mockCredentials.user('user:default/c'));
    expect(() =>
      limits.acquire(mockCredentials.user('user:default/d')),
    ).toThrow(TooManyStreamsError);
  });

  it("ends a stream at the token's expiry, or at the maximum duration when that comes first", () => {
    const limits = new StreamLimits(options, () => 1_000_000);
    const soon = {
      ...mockCredentials.user(),
      expiresAt: new Date(1_000_000 + 30_000),
    };
    expect(limits.acquire(soon).endsAt).toBe(1_000_000 + 30_000);
    const late = {
      ...mockCredentials.user(),
      expiresAt: new Date(1_000_000 + 3_600_000),
    };
    expect(limits.acquire(late).endsAt).toBe(1_000_000 + 600_000);
  });

  it('refuses service tokens unless configured', () => {
    expect(() =>
      new StreamLimits(options).acquire(mockCredentials.service()),
    ).toThrow(/allowServiceTokens/);
    expect(() =>
      new StreamLimits({ ...options, allowServices: true }).acquire(
        mockCredentials.service(),
      ),
    ).not.toThrow();
  });

  it('reads its limits from cilium.live.streams and refuses nonsense', () => {
    const limits = StreamLimits.fromConfig(
      new ConfigReader({ cilium: { live: { streams: { maxPerUser: 1 } } } }),
    );
    limits.acquire(mockCredentials.user());
    expect(() => limits.acquire(mockCredentials.user())).toThrow(/at most 1/);
    expect(() =>
      StreamLimits.fromConfig(
        new ConfigReader({ cilium: { live: { streams: { maxTotal: 0 } } } }),
      ),
    ).toThrow(/cilium.live.streams.maxTotal must be a whole number/);
  });
});
