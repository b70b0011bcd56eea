import type { GenerateRequest, GenerateTarget } from './types';

/**
 * Cilium turns policy names into label values, so they stay within 63 characters.
 *
 * @public
 */
export const MAX_POLICY_NAME = 63;

/**
 * Label, annotation and prefix names the generated policies carry.
 *
 * @public
 */
export const GENERATED_BY = 'backstage-cilium';
/**
 * Label and annotation: the request id.
 *
 * @public
 */
export const REQUEST_ID_KEY = 'cilium.backstage.io/request-id';
/**
 * Annotation: the requester's user entity ref.
 *
 * @public
 */
export const REQUESTER_KEY = 'cilium.backstage.io/requester';
/**
 * Annotation: the justification given in the request.
 *
 * @public
 */
export const JUSTIFICATION_KEY = 'cilium.backstage.io/justification';
/**
 * Annotation: the source entity ref.
 *
 * @public
 */
export const SOURCE_KEY = 'cilium.backstage.io/source';
/**
 * Annotation: the target (entity ref, FQDN, CIDR or Cilium entity).
 *
 * @public
 */
export const TARGET_KEY = 'cilium.backstage.io/target';
/**
 * Annotation: expiry of a temporary grant.
 *
 * @public
 */
export const EXPIRES_KEY = 'cilium.backstage.io/expires-at';

/**
 * Lower-case DNS-label form of any text: `api.example.com` → `api-example-com`.
 *
 * @public
 */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A short slug of the target for names.
 *
 * @public
 */
export function targetSlug(target: GenerateTarget): string {
  switch (target.type) {
    case 'workloads':
      return slug(target.name);
    case 'fqdn':
      return slug(target.name.replace(/^\*\./, 'any-'));
    case 'cidr':
      return slug(target.cidr);
    default:
      return slug(target.entity);
  }
}

/**
 * How the target is written in annotations and messages.
 *
 * @public
 */
export function describeTarget(target: GenerateTarget): string {
  switch (target.type) {
    case 'workloads':
      return target.entityRef;
    case 'fqdn':
      return `fqdn:${target.name}`;
    case 'cidr':
      return `cidr:${target.cidr}`;
    default:
      return `cilium-entity:${target.entity}`;
  }
}

/**
 * Builds `<prefix>-<a>-<b>-<id>` trimmed to 63 characters: the middle parts
 * are shortened, the id (which makes it unique) is always kept whole.
 */
function bounded(prefix: string, parts: string[], id: string): string {
  const idPart = slug(id);
  let budget = MAX_POLICY_NAME - prefix.length - idPart.length - 1;
  const out = [prefix];
  for (const [i, p] of parts.entries()) {
    const share = Math.floor(budget / (parts.length - i));
    const piece = p.slice(0, Math.max(1, share - 1)).replace(/-+$/, '');
    out.push(piece);
    budget -= piece.length + 1;
  }
  out.push(idPart);
  return out.join('-').replace(/-+/g, '-');
}

/**
 * The egress (client side) policy name: `allow-egress-from-<src>-to-<dst>-<id>`.
 *
 * @public
 */
export function egressPolicyName(request: GenerateRequest): string {
  return bounded(
    'allow-egress-from',
    [slug(request.source.name), `to-${targetSlug(request.target)}`],
    request.id,
  );
}

/**
 * The ingress (server side) policy name: `allow-ingress-to-<dst>-from-<src>-<id>`.
 *
 * @public
 */
export function ingressPolicyName(request: GenerateRequest): string {
  return bounded(
    'allow-ingress-to',
    [targetSlug(request.target), `from-${slug(request.source.name)}`],
    request.id,
  );
}

/**
 * The file path of a policy in the GitOps layout.
 *
 * @public
 */
export function policyPath(
  request: GenerateRequest,
  namespace: string,
  name: string,
): string {
  return `${request.baseDir ?? 'policies'}/${namespace}/${name}.yaml`;
}
