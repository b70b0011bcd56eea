/** DNS name / pattern matching as Cilium's toFQDNs and DNS rules do it. */

const SAMPLE_LABEL = 'zq-sample-label-zq';

/** Compiles a matchName/matchPattern (`*` = zero or more DNS characters within one label). */
export function compileDnsPattern(pattern: string): RegExp {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p === '*') return /^.*$/;
  const body = p
    .split('')
    .map(c =>
      c === '*' ? '[-a-z0-9_]*' : c.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

/**
 * Does a rule pattern cover a peer name? The peer can itself be a pattern
 * (`*.example.com`); it is covered when a sample name of it matches.
 */
export function dnsCovers(rule: RegExp, peer: string): boolean {
  const sample = peer
    .toLowerCase()
    .replace(/\.$/, '')
    .split('*')
    .join(SAMPLE_LABEL);
  return rule.test(sample);
}
