/** Minutes of history kept: the last hour. */
export const HISTORY_MINUTES = 60;

/** Milliseconds in a bucket. */
export const MINUTE_MS = 60_000;

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
 * ring of one slot per minute (two 32-bit counters each, 480 bytes in all).
 * A slot is cleared when its minute comes round again, so nothing runs on a
 * timer and an idle series costs nothing; adding is O(1) (at most one sweep of
 * 60 slots when the newest minute moves on).
 */
export class MinuteCounters {
  /** `[forwarded, dropped]` per slot; the slot of minute m is m mod 60. */
  private readonly counts = new Uint32Array(HISTORY_MINUTES * 2);
  /** The newest minute counted (minutes since the epoch), -1 before the first. */
  private head = -1;

  /**
   * Counts one flow (or `n`) in `minute` (minutes since the epoch) on counter
   * `which` ({@link FORWARDED} or {@link DROPPED}). A minute more than an
   * hour older than the newest one counted is ignored.
   */
  add(minute: number, which: number, n = 1): void {
    const counts = this.counts;
    if (minute > this.head) {
      // Clear the slots of the minutes since the newest one (at most a round).
      const from = Math.max(this.head + 1, minute - HISTORY_MINUTES + 1);
      for (let m = from; m <= minute; m++) {
        const slot = (m % HISTORY_MINUTES) * 2;
        counts[slot] = 0;
        counts[slot + 1] = 0;
      }
      this.head = minute;
    } else if (minute <= this.head - HISTORY_MINUTES) {
      return;
    }
    counts[(minute % HISTORY_MINUTES) * 2 + which] += n;
  }

  /** The count of `which` in `minute`; 0 for a minute outside the last hour of this series. */
  get(minute: number, which: number): number {
    if (minute > this.head || minute <= this.head - HISTORY_MINUTES) return 0;
    return this.counts[(minute % HISTORY_MINUTES) * 2 + which];
  }

  /** The newest minute counted, -1 when none. */
  newestMinute(): number {
    return this.head;
  }
}
