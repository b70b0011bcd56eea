/**
 * The string form of a Kubernetes label selector, as written in
 * `backstage.io/kubernetes-label-selector` and accepted by `kubectl -l`.
 */

/** @public */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/**
 * One requirement of a label selector; all requirements of a selector are ANDed.
 * @public
 */
export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values: string[];
}

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

const KEY =
  /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

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

/**
 * Whether a string is a valid Kubernetes label key (optional DNS-subdomain
 * prefix and a name of at most 63 characters).
 * @public
 */
export function isValidLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  return KEY.test(key) && name.length <= 63 && (slash < 0 || slash <= 253);
}

/**
 * Whether a string is a valid Kubernetes label value (63 characters at most).
 * @public
 */
export function isValidLabelValue(value: string): boolean {
  return VALUE.test(value) && value.length <= 63;
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
 * Whether a set of labels satisfies every requirement.
 * @public
 */
export function matchesLabelSelector(
  requirements: LabelSelectorRequirement[],
  labels: Record<string, string>,
): boolean {
  return requirements.every(req => {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    switch (req.operator) {
      case 'In':
        return has && req.values.includes(labels[req.key]);
      case 'NotIn':
        return !has || !req.values.includes(labels[req.key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
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
