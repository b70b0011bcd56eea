/**
 * The string form of a Kubernetes label selector, as written in
 * `backstage.io/kubernetes-label-selector` and accepted by `kubectl -l`.
 */

import {
  isValidLabelKey,
  isValidLabelValue,
  labelsMatch,
  type LabelRequirement,
  type SelectorOperator,
} from '@cilium-zero-trust/cilium-policy-engine/rules';

export { isValidLabelKey, isValidLabelValue };

/** @public */
export type LabelSelectorOperator = SelectorOperator;

/**
 * One requirement of a label selector; all requirements of a selector are ANDed.
 * The policy engine's type, with a plain Kubernetes label key.
 * @public
 */
export type LabelSelectorRequirement = LabelRequirement;

/**
 * Thrown when a label selector string cannot be parsed; the message says where.
 * @public
 */
export class LabelSelectorSyntaxError extends Error {
  constructor(selector: string, detail: string) {
    super(`Invalid label selector "${selector}": ${detail}`);
    this.name = 'LabelSelectorSyntaxError';
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map(t => t.trim());
}

function checkKey(selector: string, key: string) {
  if (!isValidLabelKey(key)) {
    throw new LabelSelectorSyntaxError(
      selector,
      `"${key}" is not a valid label key`,
    );
  }
}

function checkValue(selector: string, value: string) {
  if (!isValidLabelValue(value)) {
    throw new LabelSelectorSyntaxError(
      selector,
      `"${value}" is not a valid label value`,
    );
  }
}

/**
 * Parses a selector such as `app=checkout,tier in (web,api),!canary`.
 * Supports `=`, `==`, `!=`, `in`, `notin`, `key` and `!key`.
 * @public
 */
export function parseLabelSelector(
  selector: string,
): LabelSelectorRequirement[] {
  if (selector.trim() === '') {
    throw new LabelSelectorSyntaxError(selector, 'it is empty');
  }
  return splitTerms(selector).map(term => {
    if (term === '') {
      throw new LabelSelectorSyntaxError(selector, 'it has an empty term');
    }
    const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (setMatch) {
      const [, key, op, list] = setMatch;
      checkKey(selector, key);
      const values = list.split(',').map(v => v.trim());
      values.forEach(v => checkValue(selector, v));
      return { key, operator: op === 'in' ? 'In' : 'NotIn', values };
    }
    const eqMatch = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (eqMatch) {
      const [, key, op, value] = eqMatch;
      checkKey(selector, key);
      checkValue(selector, value);
      return { key, operator: op === '!=' ? 'NotIn' : 'In', values: [value] };
    }
    if (term.startsWith('!')) {
      const key = term.slice(1).trim();
      checkKey(selector, key);
      return { key, operator: 'DoesNotExist', values: [] };
    }
    checkKey(selector, term);
    return { key: term, operator: 'Exists', values: [] };
  });
}

/**
 * Whether a set of labels satisfies every requirement (the policy engine's
 * definition of the operators).
 * @public
 */
export function matchesLabelSelector(
  requirements: LabelSelectorRequirement[],
  labels: Record<string, string>,
): boolean {
  return labelsMatch(requirements, labels);
}

/**
 * Prints requirements back in the string form.
 * @public
 */
export function formatLabelSelector(
  requirements: LabelSelectorRequirement[],
): string {
  return requirements
    .map(r => {
      switch (r.operator) {
        case 'In':
          return r.values.length === 1
            ? `${r.key}=${r.values[0]}`
            : `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return r.values.length === 1
            ? `${r.key}!=${r.values[0]}`
            : `${r.key} notin (${r.values.join(',')})`;
        case 'Exists':
          return r.key;
        default:
          return `!${r.key}`;
      }
    })
    .join(',');
}
