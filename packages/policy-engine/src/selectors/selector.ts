import {
  EndpointLabels,
  LabelKey,
  lookupLabel,
  parseLabelKey,
} from '../model/labels';

import { LabelRequirement, requirementHolds } from './requirements';

export type { SelectorOperator } from './requirements';

/**
 * One requirement of a Cilium selector: its key carries a label source.
 *
 * @public
 */
export type Requirement = LabelRequirement<LabelKey>;

/**
 * A normalised Kubernetes/Cilium label selector (matchLabels become `In`).
 * `key` is a canonical string used to memoise resolution.
 *
 * @public
 */
export interface Selector {
  requirements: Requirement[];
  key: string;
}

/** Raw Kubernetes LabelSelector shape as found in YAML. */
export interface RawLabelSelector {
  matchLabels?: Record<string, unknown> | null;
  matchExpressions?: Array<{
    key?: unknown;
    operator?: unknown;
    values?: unknown;
  }> | null;
}

/** Error raised for malformed selectors. */
export class SelectorError extends Error {}

function reqKey(r: Requirement): string {
  return `${r.key.source}:${r.key.key} ${r.operator} ${[...r.values]
    .sort()
    .join(',')}`;
}

/**
 * Builds a selector from requirements, computing its canonical key.
 *
 * @public
 */
export function makeSelector(requirements: Requirement[]): Selector {
  const sorted = [...requirements].sort((a, b) =>
    reqKey(a) < reqKey(b) ? -1 : 1,
  );
  const uniq: Requirement[] = [];
  let last = '';
  for (const r of sorted) {
    const k = reqKey(r);
    if (k !== last) uniq.push(r);
    last = k;
  }
  return { requirements: uniq, key: uniq.map(reqKey).join(' & ') || '{}' };
}

/**
 * Parses a LabelSelector. `mapKey` can rewrite keys (KNP namespaceSelector keys
 * become `io.cilium.k8s.namespace.labels.<key>`).
 *
 * @public
 */
export function parseSelector(
  raw: unknown,
  mapKey: (k: string) => string = k => k,
): Selector {
  if (raw === null || raw === undefined) return makeSelector([]);
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new SelectorError('selector must be an object');
  const sel = raw as RawLabelSelector;
  const reqs: Requirement[] = [];
  if (sel.matchLabels) {
    if (typeof sel.matchLabels !== 'object')
      throw new SelectorError('matchLabels must be a map');
    for (const [k, v] of Object.entries(sel.matchLabels)) {
      reqs.push({
        key: parseLabelKey(mapKey(k)),
        operator: 'In',
        values: [v === null || v === undefined ? '' : String(v)],
      });
    }
  }
  if (sel.matchExpressions) {
    if (!Array.isArray(sel.matchExpressions))
      throw new SelectorError('matchExpressions must be a list');
    for (const e of sel.matchExpressions) {
      if (!e || typeof e.key !== 'string')
        throw new SelectorError('matchExpressions entry without key');
      const op = e.operator;
      if (
        op !== 'In' &&
        op !== 'NotIn' &&
        op !== 'Exists' &&
        op !== 'DoesNotExist'
      ) {
        throw new SelectorError(
          `unknown matchExpressions operator ${String(op)}`,
        );
      }
      const values = Array.isArray(e.values) ? e.values.map(String) : [];
      if ((op === 'In' || op === 'NotIn') && values.length === 0) {
        throw new SelectorError(`operator ${op} needs values (key ${e.key})`);
      }
      reqs.push({ key: parseLabelKey(mapKey(e.key)), operator: op, values });
    }
  }
  return makeSelector(reqs);
}

/**
 * Does the selector match these labels?
 *
 * @public
 */
export function selectorMatches(s: Selector, labels: EndpointLabels): boolean {
  for (const r of s.requirements)
    if (!requirementHolds(r, lookupLabel(labels, r.key))) return false;
  return true;
}

/**
 * Human-readable form, e.g. `k8s:app=web, any:tier in (a,b)`.
 *
 * @public
 */
export function formatSelector(s: Selector): string {
  if (!s.requirements.length) return '{}';
  return s.requirements
    .map(r => {
      const k = `${r.key.source}:${r.key.key}`;
      if (r.operator === 'In' && r.values.length === 1)
        return `${k}=${r.values[0]}`;
      if (r.operator === 'Exists') return k;
      if (r.operator === 'DoesNotExist') return `!${k}`;
      return `${k} ${r.operator === 'In' ? 'in' : 'notin'} (${r.values.join(
        ',',
      )})`;
    })
    .join(', ');
}
