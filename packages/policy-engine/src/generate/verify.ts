import { ConnSet, parseConnString } from '../model/connset';
import { parseCidr } from '../model/ip';
import type { DiffEntry } from '../evaluate/diff';
import type { Peer } from '../evaluate/types';
import type {
  ConnectivityChange,
  ConnectivityDiff,
  ExpectedEdge,
  Finding,
} from './types';

const VERBS = { added: 'add', removed: 'remove', changed: 'change' } as const;

function dstMatches(
  expected: ExpectedEdge,
  id: string,
  peer: Peer | undefined,
): boolean {
  if (expected.dst === id) return true;
  if (
    expected.dst.includes('/') &&
    !expected.dst.includes('[') &&
    peer?.type === 'external'
  ) {
    try {
      const r = parseCidr(expected.dst);
      return (
        r.family === peer.family && peer.start >= r.start && peer.end <= r.end
      );
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Checks a connectivity diff (`diffEngines(before, after)`) against the edges a
 * request is meant to add: every change must be an addition of requested
 * connections between requested peers, nothing may be removed or narrowed, and
 * every requested edge must be allowed afterwards. Returns the diff in display
 * form and findings (errors for anything unexpected).
 *
 * @public
 */
export function verifyDiff(
  expected: ExpectedEdge[],
  entries: DiffEntry[],
  isAllowedAfter: (edge: ExpectedEdge) => boolean,
): { diff: ConnectivityDiff; findings: Finding[] } {
  const findings: Finding[] = [];
  const diff: ConnectivityDiff = { added: [], removed: [], changed: [] };
  for (const e of entries) {
    const gained = e.ref2.subtract(e.ref1);
    const lost = e.ref1.subtract(e.ref2);
    const peer = e.after?.dst ?? e.before?.dst;
    const match = expected.find(
      x => x.src === e.src && dstMatches(x, e.dst, peer),
    );
    const ok =
      e.type !== 'removed' &&
      lost.isEmpty() &&
      match !== undefined &&
      gained.subtract(parseConnString(match.conn)).isEmpty();
    const row: ConnectivityChange = {
      src: e.src,
      dst: e.dst,
      before: e.ref1.toString(),
      after: e.ref2.toString(),
      expected: ok,
    };
    diff[e.type].push(row);
    if (!ok) {
      findings.push({
        severity: 'error',
        code: 'unexpected-edge',
        message: `The generated policies would ${VERBS[e.type]} ${e.src} → ${
          e.dst
        } (${row.before} → ${row.after}), which the request did not ask for.`,
      });
    }
  }
  for (const x of expected) {
    if (!isAllowedAfter(x)) {
      findings.push({
        severity: 'error',
        code: 'edge-not-added',
        message: `After the change ${x.src} still cannot reach ${x.dst} on ${x.conn}; the generated policies do not open it.`,
      });
    }
  }
  return { diff, findings };
}

/** Whether every connection of `conn` text is in `allowed`. */
export function covers(allowed: ConnSet | undefined, conn: string): boolean {
  return !!allowed && parseConnString(conn).subtract(allowed).isEmpty();
}
