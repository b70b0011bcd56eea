import { isDnsName, MAX_DNS_NAME_LENGTH } from '../evaluate/fqdn';
import ipaddr from 'ipaddr.js';
import {
  PLATFORM_ONLY_ENTITIES,
  REQUESTABLE_ENTITIES,
  type EntityName,
} from '../model/entities';
import { canonicalCidr, CidrError, parseCidr } from '../model/ip';
import { controlCharacterProblem } from '../model/text';
import { PEER_FIELDS } from '../parse/policy-cilium';
import { isValidLabelValue } from '../selectors/requirements';
import { MAX_POLICY_NAME } from './naming';
import type { Finding, GenerateRequest } from './types';

/** The longest HTTP path or method regular expression a request may carry. */
export const MAX_HTTP_RULE_LENGTH = 1024;

/** The longest CIDR or Cilium entity name looked at (an IPv6 CIDR has at most 49 characters). */
const MAX_CIDR_LENGTH = 64;

function error(code: string, message: string): Finding {
  return { severity: 'error', code, message };
}

function isValidRegex(text: string): boolean {
  try {
    // eslint-disable-next-line no-new
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/** Why a CIDR is not canonical, for the refusal message ('' when only the spelling differs). */
function cidrOddity(cidr: string): string {
  const [address, bits] = cidr.split('/');
  const range = parseCidr(cidr);
  if (range.family === 4 && !ipaddr.IPv4.isValidFourPartDecimal(address))
    return ': a leading 0 reads as octal and 0x as hexadecimal';
  if (
    parseCidr(`${address}/${range.family === 4 ? 32 : 128}`).start !==
    range.start
  )
    return `: the address has bits set after the /${Number(bits)} prefix`;
  return '';
}

/**
 * Guardrails on the request itself, before anything is generated: ports in
 * range, L7 only on TCP, no world / all / cluster / 0.0.0.0/0, valid names.
 * Every error says what to change.
 *
 * @public
 */
export function checkRequest(request: GenerateRequest): Finding[] {
  const out: Finding[] = [];
  const { target, ports, http } = request;
  // Single-line fields that end up as YAML values: no control characters or
  // line breaks (the justification is free text, made one line where written).
  const singleLineFields: Array<[string, string | undefined, number]> = [
    ...(http ?? []).flatMap(
      (r, i): Array<[string, string | undefined, number]> => [
        [`http[${i}].path`, r.path, MAX_HTTP_RULE_LENGTH],
        [`http[${i}].method`, r.method, MAX_HTTP_RULE_LENGTH],
      ],
    ),
    [
      'target name',
      target.type === 'fqdn' ? target.name : undefined,
      MAX_DNS_NAME_LENGTH,
    ],
    [
      'target CIDR',
      target.type === 'cidr' ? target.cidr : undefined,
      MAX_CIDR_LENGTH,
    ],
    [
      'target entity',
      target.type === 'cilium-entity' ? target.entity : undefined,
      MAX_CIDR_LENGTH,
    ],
  ];
  for (const [field, value, max] of singleLineFields) {
    if (value === undefined) continue;
    if (value.length > max) {
      // Refused on length below (or here), before any character is looked at.
      if (field.startsWith('target C') || field.startsWith('target e'))
        out.push(
          error(
            'too-long',
            `${field} may be at most ${max} characters; it has ${value.length}.`,
          ),
        );
      continue;
    }
    const problem = controlCharacterProblem(value);
    if (problem) out.push(error('control-character', `${field} ${problem}.`));
  }
  if (out.length) return out;
  if (ports.length === 0)
    out.push(
      error(
        'no-ports',
        'Give at least one port: least privilege means no "all ports" grants.',
      ),
    );
  if (ports.length > 40)
    out.push(
      error(
        'too-many-ports',
        `Cilium allows at most 40 ports per rule; the request has ${ports.length}. Split it.`,
      ),
    );
  for (const p of ports) {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      out.push(
        error('port-range', `Port ${p.port} is out of range: use 1-65535.`),
      );
    }
    if (
      p.endPort !== undefined &&
      (!Number.isInteger(p.endPort) || p.endPort < p.port || p.endPort > 65535)
    ) {
      out.push(
        error(
          'port-range',
          `endPort ${p.endPort} must be a whole number between port ${p.port} and 65535.`,
        ),
      );
    }
  }
  if (http?.length) {
    const nonTcp = ports.filter(p => p.protocol !== 'TCP');
    if (nonTcp.length) {
      out.push(
        error(
          'l7-protocol',
          `HTTP rules need TCP ports; remove them or change ${nonTcp
            .map(p => `${p.protocol} ${p.port}`)
            .join(', ')} to TCP.`,
        ),
      );
    }
    for (const r of http) {
      if (
        (r.path?.length ?? 0) > MAX_HTTP_RULE_LENGTH ||
        (r.method?.length ?? 0) > MAX_HTTP_RULE_LENGTH
      ) {
        out.push(
          error(
            'http-too-long',
            `An HTTP path or method may be at most ${MAX_HTTP_RULE_LENGTH} characters; this one has ${Math.max(
              r.path?.length ?? 0,
              r.method?.length ?? 0,
            )}.`,
          ),
        );
        continue;
      }
      if (
        r.path !== undefined &&
        (!r.path.startsWith('/') || !isValidRegex(r.path))
      ) {
        out.push(
          error(
            'http-path',
            `HTTP path "${r.path}" must start with "/" and be a valid regular expression.`,
          ),
        );
      }
      if (
        r.method !== undefined &&
        (!/^[A-Za-z|()]+$/.test(r.method) || !isValidRegex(r.method))
      ) {
        out.push(
          error(
            'http-method',
            `HTTP method "${r.method}" must be a method name such as GET, or an alternation such as GET|HEAD.`,
          ),
        );
      }
    }
  }
  switch (target.type) {
    case 'workloads':
      if (target.entityRef === request.source.entityRef) {
        out.push(
          error(
            'same-entity',
            'Source and target are the same entity; pods of one entity need no request to talk to each other only if a policy says so — ask the platform team instead.',
          ),
        );
      }
      break;
    case 'fqdn': {
      if (target.name.length > MAX_DNS_NAME_LENGTH) {
        out.push(
          error(
            'fqdn-too-long',
            `A domain name may be at most ${MAX_DNS_NAME_LENGTH} characters; "${target.name.slice(
              0,
              40,
            )}…" has ${target.name.length}.`,
          ),
        );
        break;
      }
      const name = target.name.replace(/\.$/, '');
      if (
        name === '*' ||
        (name.startsWith('*.') === false && name.includes('*'))
      ) {
        out.push(
          error(
            'fqdn-wildcard',
            `"${target.name}" is too broad: name one host (api.example.com) or one sub-domain level (*.example.com).`,
          ),
        );
      } else if (
        !isDnsName(name.startsWith('*.') ? name.slice(2) : name) ||
        !name.includes('.')
      ) {
        out.push(
          error(
            'fqdn-invalid',
            `"${target.name}" is not a fully qualified domain name such as api.example.com.`,
          ),
        );
      } else if (name.startsWith('*.')) {
        out.push({
          severity: 'warning',
          code: 'fqdn-wildcard',
          message: `"${
            target.name
          }" matches every host one level below ${name.slice(2)}.`,
        });
      }
      break;
    }
    case 'cidr': {
      try {
        const range = parseCidr(target.cidr);
        const prefix = Number(
          target.cidr.split('/')[1] ?? (range.family === 4 ? 32 : 128),
        );
        if (!target.cidr.includes('/')) {
          out.push(
            error(
              'cidr-invalid',
              `"${target.cidr}" is an address; write it as a CIDR (${
                target.cidr
              }/${range.family === 4 ? 32 : 128}).`,
            ),
          );
        } else if (canonicalCidr(target.cidr) !== target.cidr) {
          out.push(
            error(
              'cidr-not-canonical',
              `"${
                target.cidr
              }" is not written the way Cilium writes it${cidrOddity(
                target.cidr,
              )}; did you mean ${canonicalCidr(target.cidr)}?`,
            ),
          );
        } else if (prefix === 0) {
          out.push(
            error(
              'cidr-world',
              `${target.cidr} is the whole address space (like the "world" entity); that is a platform decision, not a request.`,
            ),
          );
        } else if (
          (range.family === 4 && prefix < 8) ||
          (range.family === 6 && prefix < 16)
        ) {
          out.push(
            error(
              'cidr-too-broad',
              `${target.cidr} is too broad for a request; use a prefix of /8 or longer (IPv6: /16).`,
            ),
          );
        } else if (
          (range.family === 4 && prefix < 16) ||
          (range.family === 6 && prefix < 48)
        ) {
          out.push({
            severity: 'warning',
            code: 'cidr-broad',
            message: `${target.cidr} covers many addresses; reviewers will check it.`,
          });
        }
      } catch (e) {
        const why = e instanceof CidrError ? e.message : String(e);
        out.push(
          error(
            'cidr-invalid',
            `"${target.cidr}" is not a valid CIDR (${why}); write it like 10.20.0.0/16.`,
          ),
        );
      }
      break;
    }
    default: {
      const why = PLATFORM_ONLY_ENTITIES.get(target.entity as EntityName);
      if (why) {
        out.push(
          error(
            'entity-platform-only',
            `The Cilium entity "${target.entity}" cannot be requested: ${why}. Ask the platform team, or name the exact FQDN or CIDR.`,
          ),
        );
      } else if (
        !(REQUESTABLE_ENTITIES as readonly string[]).includes(target.entity)
      ) {
        out.push(
          error(
            'entity-unknown',
            `"${
              target.entity
            }" is not a Cilium entity that can be requested; use one of ${REQUESTABLE_ENTITIES.join(
              ', ',
            )}.`,
          ),
        );
      }
    }
  }
  return out;
}

type Obj = Record<string, unknown>;

/**
 * The agent's sanitiser checks (cilium-policy-semantics §10, layer 2) that a
 * JSON-Schema validator does not catch, applied to one generated document:
 * ports parse as 16-bit numbers, at most 40 per element, one kind of L3 peer
 * per element, L7 only on TCP and not on port 0, DNS rules need a port and
 * only on egress, a name Cilium can turn into a label value.
 *
 * @public
 */
export function sanitize(doc: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const meta = (doc.metadata ?? {}) as Obj;
  const name = String(meta.name ?? '');
  if (!name || name.length > MAX_POLICY_NAME || !isValidLabelValue(name)) {
    out.push(
      error(
        'invalid-name',
        `Policy name "${name}" is not a valid label value of at most ${MAX_POLICY_NAME} characters.`,
      ),
    );
  }
  for (const [k, v] of Object.entries((meta.labels ?? {}) as Obj)) {
    if (typeof v !== 'string' || !isValidLabelValue(v))
      out.push(
        error('invalid-label', `Label ${k}="${v}" is not a valid label value.`),
      );
  }
  const spec = (doc.spec ?? {}) as Obj;
  const sections = ['ingress', 'egress', 'ingressDeny', 'egressDeny'].filter(
    s => Array.isArray(spec[s]),
  );
  if (!sections.length)
    out.push(
      error(
        'no-sections',
        'A rule must have at least one of ingress, ingressDeny, egress, egressDeny.',
      ),
    );
  for (const section of sections) {
    for (const [i, el] of (spec[section] as Obj[]).entries()) {
      const where = `${name} ${section}[${i}]`;
      const peers = PEER_FIELDS.filter(f => el[f] !== undefined);
      if (peers.length > 1)
        out.push(
          error(
            'mixed-peers',
            `${where}: combining ${peers.join(
              ' and ',
            )} is not supported; use separate elements.`,
          ),
        );
      for (const tp of (el.toPorts ?? []) as Obj[]) {
        const ports = (tp.ports ?? []) as Obj[];
        if (ports.length > 40)
          out.push(error('too-many-ports', `${where}: more than 40 ports.`));
        const rules = (tp.rules ?? {}) as Obj;
        const l7 = Object.keys(rules);
        if (l7.length > 1)
          out.push(
            error(
              'multiple-l7',
              `${where}: multiple L7 protocol rule types in one element.`,
            ),
          );
        for (const p of ports) {
          const port = String(p.port ?? '0');
          const n = Number(port);
          if (!/^[0-9]+$/.test(port) || n > 65535)
            out.push(
              error(
                'port-range',
                `${where}: port "${port}" is not a 16-bit number.`,
              ),
            );
          if (p.endPort !== undefined && Number(p.endPort) < n)
            out.push(error('port-range', `${where}: endPort below port.`));
          if (l7.includes('http') && p.protocol !== 'TCP')
            out.push(error('l7-protocol', `${where}: HTTP rules need TCP.`));
          if (l7.length && n === 0)
            out.push(error('l7-port', `${where}: L7 rules need a port.`));
          if (l7.includes('dns') && p.endPort !== undefined)
            out.push(
              error('dns-port', `${where}: DNS rules cannot use a port range.`),
            );
        }
        if (l7.includes('dns') && section.startsWith('ingress'))
          out.push(
            error(
              'dns-ingress',
              `${where}: DNS rules are not allowed on ingress.`,
            ),
          );
      }
    }
  }
  return out;
}
