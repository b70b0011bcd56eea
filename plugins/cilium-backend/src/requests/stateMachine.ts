import { ConflictError } from '@backstage/errors';
import { ConnectivityRequestState } from '@cilium-zero-trust/plugin-cilium-common';

/**
 * The request life cycle:
 *
 * ```
 * submitted ─► approved ─► published ─► merged ─► enforced ─► expiring ─► expired
 *     │            │            │                    ▲        (removal    (removal
 *     ├► rejected  └► withdrawn └► rejected (PR      │         filed)      enforced)
 *     └► withdrawn                  closed unmerged) merged ──┘ (expired before enforced)
 * ```
 *
 * A grant stays `expiring` (in force) while its removal request goes
 * through publishing, merging and enforcement like any request; a removal
 * whose pull request is closed leaves the grant `expiring` until a reviewer
 * files the removal again.
 */
export const TRANSITIONS: Record<
  ConnectivityRequestState,
  ConnectivityRequestState[]
> = {
  submitted: ['approved', 'rejected', 'withdrawn'],
  approved: ['published', 'withdrawn'],
  published: ['merged', 'rejected'],
  merged: ['enforced', 'expiring'],
  enforced: ['expiring'],
  expiring: ['expired'],
  rejected: [],
  withdrawn: [],
  expired: [],
};

/** Whether `from → to` is a transition of the life cycle. */
export function canTransition(
  from: ConnectivityRequestState,
  to: ConnectivityRequestState,
): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws a ConflictError that says what state the request is in and what is possible. */
export function assertTransition(
  id: string,
  from: ConnectivityRequestState,
  to: ConnectivityRequestState,
): void {
  if (!canTransition(from, to)) {
    const next = TRANSITIONS[from];
    throw new ConflictError(
      `Request ${id} is ${from}; it cannot become ${to}${
        next.length
          ? ` (from ${from} it can only become ${next.join(' or ')})`
          : ` (${from} is final)`
      }`,
    );
  }
}
