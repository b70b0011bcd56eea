/** Minutes of history kept: the last hour. */
export const HISTORY_MINUTES = 60;

/** Milliseconds in a bucket. */
export const MINUTE_MS = 60_000;

/** 32-bit counters in one series: forwarded and dropped for each minute. */
export const SERIES_LENGTH = HISTORY_MINUTES * 2;

/** Which counter of a minute: forwarded flows. */
export const FORWARDED = 0;
/** Which counter of a minute: dropped flows. */
export const DROPPED = 1;

/** The counter a Hubble verdict goes to, or -1 for verdicts not counted (AUDIT, REDIRECTED, …). */
export function verdictCounter(verdict: string): number {
  if (verdict === 'FORWARDED') return FORWARDED;
  if (verdict === 'DROPPED') return DROPPED;
  return -1;
}

/**
 * Forwarded and dropped counts of the last {@link HISTORY_MINUTES} minutes: a
 * ring of one slot per minute (two 32-bit counters each, 480 bytes in all),
 * at `base` in `counts` (its own array, or a share of a {@link CounterPool}
 * chunk). A slot is cleared when its minute comes round again, so nothing runs
 * on a timer and an idle series costs nothing; adding is O(1) (at most one
 * sweep of 60 slots when the newest minute moves on). A new series clears its
 * whole ring on its first count, so a reused share needs no zeroing.
 */
export class MinuteCounters {
  /** The newest minute counted (minutes since the epoch), -1 before the first. */
  private head = -1;

  /**
   * @param counts - `[forwarded, dropped]` per slot from `base`; the slot of
   *   minute m is m mod 60.
   */
  constructor(
    private readonly counts: Uint32Array = new Uint32Array(SERIES_LENGTH),
    private readonly base = 0,
  ) {}

  /**
   * Counts one flow (or `n`) in `minute` (minutes since the epoch) on counter
   * `which` ({@link FORWARDED} or {@link DROPPED}). A minute more than an
   * hour older than the newest one counted is ignored.
   */
  add(minute: number, which: number, n = 1): void {
    const counts = this.counts;
    const base = this.base;
    if (minute > this.head) {
      // Clear the slots of the minutes since the newest one (at most a round).
      const from = Math.max(this.head + 1, minute - HISTORY_MINUTES + 1);
      for (let m = from; m <= minute; m++) {
        const slot = base + (m % HISTORY_MINUTES) * 2;
        counts[slot] = 0;
        counts[slot + 1] = 0;
      }
      this.head = minute;
    } else if (minute <= this.head - HISTORY_MINUTES) {
      return;
    }
    counts[base + (minute % HISTORY_MINUTES) * 2 + which] += n;
  }

  /** The count of `which` in `minute`; 0 for a minute outside the last hour of this series. */
  get(minute: number, which: number): number {
    if (minute > this.head || minute <= this.head - HISTORY_MINUTES) return 0;
    return this.counts[this.base + (minute % HISTORY_MINUTES) * 2 + which];
  }

  /** The newest minute counted, -1 when none. */
  newestMinute(): number {
    return this.head;
  }
}
