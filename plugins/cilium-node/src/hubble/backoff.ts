/** Reconnect back-off settings. @public */
export interface BackoffOptions {
  /** First delay, default 1000 ms. */
  initialMs?: number;
  /** Upper bound, default 30000 ms. */
  maxMs?: number;
  /** Growth per attempt, default 2. */
  multiplier?: number;
  /** Relative jitter in [0, 1], default 0.2: the delay is spread over ±20%. */
  jitter?: number;
}

/**
 * Exponential back-off with jitter: attempt 1 waits about `initialMs`, each
 * further attempt `multiplier` times longer, capped at `maxMs`, each spread by
 * ±`jitter` using `random()` (a number in [0, 1)).
 * @public
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 30000;
  const multiplier = options.multiplier ?? 2;
  const jitter = Math.min(Math.max(options.jitter ?? 0.2, 0), 1);
  const base = Math.min(
    max,
    initial * Math.pow(multiplier, Math.max(0, attempt - 1)),
  );
  const spread = base * (1 - jitter + 2 * jitter * random());
  return Math.round(Math.min(max, Math.max(0, spread)));
}
