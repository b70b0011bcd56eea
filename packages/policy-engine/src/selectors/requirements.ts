/**
 * Kubernetes label-selector semantics, in one place: label key and value
 * syntax, the four operators, and the two shapes a selector is written in
 * (`matchLabels`/`matchExpressions`, and a list of requirements).
 *
 * Browser-safe: no imports. Every other package calls this module (through
 * `@cilium-zero-trust/cilium-policy-engine/rules` where it must stay
 * browser-safe).
 */

/**
 * Label selector operator.
 * @public
 */
export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/**
 * One requirement of a label selector; all requirements of a selector are
 * ANDed. `K` is the key's representation: a plain Kubernetes label key
 * (`app`), or the engine's source-qualified `LabelKey` (`k8s:app`).
 * @public
 */
export interface LabelRequirement<K = string> {
  key: K;
  operator: SelectorOperator;
  values: string[];
}

/**
 * A Kubernetes `LabelSelector` as written in YAML.
 * @public
 */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: SelectorOperator;
    values?: string[];
  }>;
}

const KEY =
  /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Whether a string is a valid Kubernetes label key (optional DNS-subdomain
 * prefix of at most 253 characters and a name of at most 63).
 * @public
 */
export function isValidLabelKey(key: string): boolean {
  if (key.length > 253 + 1 + 63) return false;
  const slash = key.lastIndexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  return KEY.test(key) && name.length <= 63 && (slash < 0 || slash <= 253);
}

/**
 * Whether a string is a valid Kubernetes label value (63 characters at most;
 * the empty string is valid).
 * @public
 */
export function isValidLabelValue(value: string): boolean {
  return value.length <= 63 && VALUE.test(value);
}

/**
 * Whether one requirement holds for a label's value (`undefined`: the label
 * is absent). This is the only definition of the operators.
 * @public
 */
export function requirementHolds(
  r: LabelRequirement<unknown>,
  value: string | undefined,
): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && r.values.includes(value);
    case 'NotIn':
      return value === undefined || !r.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    default:
      return false;
  }
}

/**
 * Whether every requirement holds; `valueOf` looks a key up in the labels
 * (returning `undefined` when the label is absent).
 * @public
 */
export function requirementsMatch<K>(
  requirements: readonly LabelRequirement<K>[],
  valueOf: (key: K) => string | undefined,
): boolean {
  for (const r of requirements) {
    if (!requirementHolds(r, valueOf(r.key))) return false;
  }
  return true;
}

/**
 * Whether plain Kubernetes labels (`key` → value) satisfy every requirement.
 * @public
 */
export function labelsMatch(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return requirementsMatch(requirements, k =>
    Object.prototype.hasOwnProperty.call(labels, k) ? labels[k] : undefined,
  );
}

/**
 * The requirements of a YAML-shaped selector (`matchLabels` become `In`).
 * @public
 */
export function requirementsOf(
  selector: LabelSelectorObject,
): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    out.push({ key, operator: 'In', values: [value] });
  for (const e of selector.matchExpressions ?? [])
    out.push({
      key: e.key,
      operator: e.operator,
      values: [...(e.values ?? [])],
    });
  return out;
}

/**
 * The YAML shape of a list of requirements: single-value `In` requirements
 * become `matchLabels`, the others `matchExpressions`.
 * @public
 */
export function selectorObjectOf(
  requirements: readonly LabelRequirement[],
): LabelSelectorObject {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelectorObject['matchExpressions']> =
    [];
  for (const r of requirements) {
    if (
      r.operator === 'In' &&
      r.values.length === 1 &&
      !Object.prototype.hasOwnProperty.call(matchLabels, r.key)
    )
      matchLabels[r.key] = r.values[0];
    else
      matchExpressions.push({
        key: r.key,
        operator: r.operator,
        ...(r.operator === 'In' || r.operator === 'NotIn'
          ? { values: [...r.values] }
          : {}),
      });
  }
  return {
    ...(Object.keys(matchLabels).length ? { matchLabels } : {}),
    ...(matchExpressions.length ? { matchExpressions } : {}),
  };
}
