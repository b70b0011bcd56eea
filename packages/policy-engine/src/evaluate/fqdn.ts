/** DNS name / pattern matching as Cilium's toFQDNs and DNS rules do it. */

const SAMPLE_LABEL = 'zq-sample-label-zq';

/** The longest DNS name or pattern accepted anywhere (Cilium's matchName / matchPattern limit). */
export const MAX_DNS_NAME_LENGTH = 255;

/**
 * A compiled matchName / matchPattern; `test` has RegExp's signature.
 *
 * @public
 */
export interface DnsPattern {
  /** The normalised pattern (lower case, no trailing dot). */
  readonly source: string;
  test(name: string): boolean;
}

/** The characters `*` stands for: `[-a-z0-9_]`. */
function isWildcardChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d ||
    code === 0x5f
  );
}

/** Is every character of text[from, to) one that `*` may stand for? */
function allWildcardChars(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++)
    if (!isWildcardChar(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Matches one DNS label against one pattern label split at its `*`s.
 * Each literal piece is taken at its leftmost place: that leaves the most
 * room for the pieces after it and the shortest gap before it, so when any
 * placement works this one does. No backtracking.
 */
function labelMatches(pieces: string[], label: string): boolean {
  const first = pieces[0];
  if (pieces.length === 1) return label === first;
  const last = pieces[pieces.length - 1];
  if (first.length + last.length > label.length) return false;
  if (!label.startsWith(first) || !label.endsWith(last)) return false;
  const end = label.length - last.length;
  let at = first.length;
  for (let k = 1; k < pieces.length - 1; k++) {
    const piece = pieces[k];
    const found = label.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    if (!allWildcardChars(label, at, found)) return false;
    at = found + piece.length;
  }
  return allWildcardChars(label, at, end);
}

/**
 * Compiles a matchName/matchPattern (`*` = zero or more DNS characters
 * `[-a-z0-9_]` within one label; `*` alone matches every name). Matching is
 * label by label, each label in one pass over its literal pieces: time grows
 * with the name's length, never exponentially with the number of `*`.
 * @public
 */
export function compileDnsPattern(pattern: string): DnsPattern {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p === '*') return { source: p, test: () => true };
  const labels = p.split('.').map(label => label.split('*'));
  return {
    source: p,
    test(name: string): boolean {
      if (name.length > MAX_DNS_NAME_LENGTH) return false;
      const parts = name.split('.');
      if (parts.length !== labels.length) return false;
      for (let i = 0; i < parts.length; i++)
        if (!labelMatches(labels[i], parts[i])) return false;
      return true;
    },
  };
}

/** {@link dnsCovers}'s answers per compiled pattern (dropped with the pattern). */
const coverAnswers = new WeakMap<DnsPattern, Map<string, boolean>>();
/** Peer names remembered per pattern; past that the pattern starts over. */
const MAX_COVER_ANSWERS = 4096;

/**
 * Does a rule pattern cover a peer name? The peer can itself be a pattern
 * (`*.example.com`); it is covered when a sample name of it matches.
 * @public
 */
export function dnsCovers(rule: DnsPattern, peer: string): boolean {
  // A graph asks the same (pattern, peer) pairs again for every workload
  // whose policies hold the pattern: remember each pattern's answers.
  let known = coverAnswers.get(rule);
  if (!known) {
    known = new Map();
    coverAnswers.set(rule, known);
  }
  let covered = known.get(peer);
  if (covered === undefined) {
    if (known.size >= MAX_COVER_ANSWERS) known.clear();
    const sample = peer
      .toLowerCase()
      .replace(/\.$/, '')
      .split('*')
      .join(SAMPLE_LABEL);
    covered = rule.test(sample);
    known.set(peer, covered);
  }
  return covered;
}

function isNameChar(code: number, wildcard: boolean): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d ||
    code === 0x5f ||
    (wildcard && code === 0x2a)
  );
}

function isDnsText(text: string, wildcard: boolean): boolean {
  if (text.length === 0 || text.length > MAX_DNS_NAME_LENGTH) return false;
  let labelLength = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x2e) {
      if (labelLength === 0) return false;
      labelLength = 0;
    } else if (isNameChar(code, wildcard)) labelLength++;
    else return false;
  }
  return true;
}

/**
 * What Cilium accepts as a `matchName`: labels of `[-a-zA-Z0-9_]` separated
 * by single dots, an optional trailing dot, at most 255 characters (the
 * length is checked first). A loop, not a regular expression.
 */
export function isDnsName(name: string): boolean {
  return isDnsText(name, false);
}

/** What Cilium accepts as a `matchPattern`: like {@link isDnsName}, with `*` allowed in labels. */
export function isDnsPattern(pattern: string): boolean {
  return isDnsText(pattern, true);
}
