import {
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { CustomErrorBase, NotAllowedError } from '@backstage/errors';

/**
 * Too many live streams are open (answered with 429 Too Many Requests).
 * @public
 */
export class TooManyStreamsError extends CustomErrorBase {
  name = 'TooManyStreamsError' as const;
}

/** Limits on the live flow streams (`cilium.live.streams`). */
export interface StreamLimitOptions {
  /** Open streams at once, over every caller. Default 200. */
  maxTotal: number;
  /** Open streams at once per user (or per service). Default 5. */
  maxPerPrincipal: number;
  /** Longest a stream stays open, in seconds, even with a token that does not expire. Default 3600. */
  maxDurationSeconds: number;
  /** Whether service tokens may open streams. Default false. */
  allowServices: boolean;
}

/** An admitted stream: when it must end, and how to give its place back. */
export interface StreamLease {
  /** When the stream must end: the caller's token expiry or the maximum duration, whichever is first. */
  endsAt: number;
  /** Gives the place back (idempotent). */
  release(): void;
}

/**
 * Admission control for the live flow streams: a total and a per-caller cap,
 * an end at the token's expiry (the browser reconnects with a fresh token),
 * and no service tokens unless configured.
 */
export class StreamLimits {
  private readonly open = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly options: StreamLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  static fromConfig(config: Config): StreamLimits {
    const c = config.getOptionalConfig('cilium.live.streams');
    const positive = (key: string, fallback: number) => {
      const value = c?.getOptionalNumber(key) ?? fallback;
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(
          `cilium.live.streams.${key} must be a whole number of at least 1, got ${value}`,
        );
      }
      return value;
    };
    return new StreamLimits({
      maxTotal: positive('maxTotal', 200),
      maxPerPrincipal: positive('maxPerUser', 5),
      maxDurationSeconds: positive('maxDurationSeconds', 3600),
      allowServices: c?.getOptionalBoolean('allowServiceTokens') ?? false,
    });
  }

  /** Streams open now (for status and tests). */
  get openCount(): number {
    return this.total;
  }

  /** Admits a stream for the caller or throws (403 for services, 429 over a cap). */
  acquire(
    credentials: BackstageCredentials<
      BackstageUserPrincipal | BackstageServicePrincipal
    >,
  ): StreamLease {
    const { principal } = credentials;
    let key: string;
    if (principal.type === 'user') key = `user:${principal.userEntityRef}`;
    else if (principal.type === 'service') {
      if (!this.options.allowServices) {
        throw new NotAllowedError(
          'Service tokens may not open live flow streams (set cilium.live.streams.allowServiceTokens to allow them); read /flows instead',
        );
      }
      key = `service:${principal.subject}`;
    } else {
      throw new NotAllowedError('Live flow streams need a signed-in caller');
    }
    const mine = this.open.get(key) ?? 0;
    if (mine >= this.options.maxPerPrincipal) {
      throw new TooManyStreamsError(
        `You already have ${mine} live flow streams open (at most ${this.options.maxPerPrincipal}); close a Network tab and try again`,
      );
    }
    if (this.total >= this.options.maxTotal) {
      throw new TooManyStreamsError(
        `The backend serves at most ${this.options.maxTotal} live flow streams and all are in use; try again in a minute`,
      );
    }
    this.open.set(key, mine + 1);
    this.total++;
    const maxEnd = this.now() + this.options.maxDurationSeconds * 1000;
    const expiry = credentials.expiresAt?.getTime();
    let released = false;
    return {
      endsAt: expiry !== undefined ? Math.min(expiry, maxEnd) : maxEnd,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.open.get(key) ?? 1) - 1;
        if (left > 0) this.open.set(key, left);
        else this.open.delete(key);
      },
    };
  }
}
