import type { PolicyEngine } from '../evaluate/engine';
import { dnsCovers } from '../evaluate/fqdn';
import { familyMax } from '../model/ip';
import { formatSelector, type Selector } from '../selectors/selector';
import { formatPolicyRef, Policy, Section } from '../model/policy';

/**
 * A guardrail finding.
 *
 * @public
 */
export interface LintFinding {
  severity: 'error' | 'warning' | 'info';
  code:
    | 'invalid-document'
    | 'unrendered-template'
    | 'invalid-policy'
    | 'port-out-of-range'
    | 'broad-peer'
    | 'empty-section'
    | 'fqdn-without-dns'
    | 'named-port-unresolved'
    | 'deny-only'
    | 'host-policy'
    | 'selects-nothing'
    | 'peer-selects-nothing'
    | 'unsupported';
  message: string;
  policy?: string;
  file?: string;
  line?: number;
}

const SECTIONS: Section[] = ['ingress', 'egress', 'ingressDeny', 'egressDeny'];

function where(pol: Policy): { file?: string; line?: number } {
  return {
    ...(pol.ref.file ? { file: pol.ref.file } : {}),
    ...(pol.position ? { line: pol.position.line } : {}),
  };
}

/** Does a selector name Cilium's reserved labels (an entity, not pods)? */
function selectsReserved(s: Selector): boolean {
  return s.requirements.some(r => r.key.source === 'reserved');
}

/**
 * Options of {@link lint}.
 *
 * @public
 */
export interface LintOptions {
  /**
   * Lint only these policies of the engine (for example the ones a change
   * adds), without the inventory's diagnostics. Default: every policy and
   * the diagnostics.
   */
  policies?: readonly Policy[];
}

/**
 * Guardrails for a GitOps repository: refused/broken documents, grants to
 * world/all/0.0.0.0/0, empty sections, ports out of range, toFQDNs without a
 * DNS rule, named ports that resolve nowhere, deny-only policies. When the
 * inventory holds workloads (the cluster is described), also subjects and
 * endpoint peers that select no workload: a typo in a label, or a policy for
 * something that is not deployed.
 *
 * @public
 */
export function lint(
  engine: PolicyEngine,
  options: LintOptions = {},
): LintFinding[] {
  const out: LintFinding[] = [];
  const diagnostics = options.policies ? [] : engine.inventory.diagnostics;
  for (const d of diagnostics) {
    if (d.severity !== 'error' && d.code !== 'unsupported') continue;
    let code: LintFinding['code'] = 'invalid-policy';
    if (d.code === 'template') code = 'unrendered-template';
    else if (d.code === 'yaml') code = 'invalid-document';
    else if (d.code === 'unsupported') code = 'unsupported';
    else if (/out of range/.test(d.message)) code = 'port-out-of-range';
    out.push({
      severity: d.severity === 'error' ? 'error' : 'warning',
      code,
      message: d.message,
      ...(d.object ? { policy: d.object } : {}),
      ...(d.file ? { file: d.file } : {}),
      ...(d.line ? { line: d.line } : {}),
    });
  }
  const clusterDescribed = engine.workloads.length > 0;
  for (const pol of options.policies ?? engine.inventory.policies) {
    const name = formatPolicyRef(pol.ref);
    const loc = where(pol);
    const add = (f: Omit<LintFinding, 'policy' | 'file' | 'line'>) =>
      out.push({ ...f, policy: name, ...loc });
    const rawRules: Array<Record<string, unknown>> = [];
    if (pol.ref.kind !== 'NetworkPolicy') {
      if (pol.raw.spec) rawRules.push(pol.raw.spec as Record<string, unknown>);
      if (Array.isArray(pol.raw.specs))
        rawRules.push(...(pol.raw.specs as Array<Record<string, unknown>>));
      rawRules.forEach((r, i) => {
        for (const s of SECTIONS) {
          if (Array.isArray(r?.[s]) && (r[s] as unknown[]).length === 0) {
            add({
              severity: 'warning',
              code: 'empty-section',
              message: `rule ${i}: "${s}: []" has no effect (use "${s}: [{}]" for default deny)`,
            });
          }
        }
      });
    }
    let hasAllow = false;
    let hasDeny = false;
    for (const rule of pol.rules) {
      if (rule.nodeSelector) {
        add({
          severity: 'info',
          code: 'host-policy',
          message: `rule ${rule.ruleIndex}: host policy (nodeSelector) is parsed but not applied to pods`,
        });
      }
      if (rule.sections.ingress?.length || rule.sections.egress?.length)
        hasAllow = true;
      if (rule.sections.ingressDeny?.length || rule.sections.egressDeny?.length)
        hasDeny = true;
      const selected = engine.selectedWorkloads(rule);
      if (
        clusterDescribed &&
        rule.subject &&
        !rule.nodeSelector &&
        !selected.length
      ) {
        add({
          severity: 'warning',
          code: 'selects-nothing',
          message: `rule ${
            rule.ruleIndex
          }: the subject selector ${formatSelector(
            rule.subject,
          )} selects no workload`,
        });
      }
      for (const re of engine.elementsOf(rule)) {
        const el = re.el;
        const at = `rule ${rule.ruleIndex} ${el.ref.section}[${el.ref.elementIndex}]`;
        if (!el.ref.deny && el.ref.elementIndex >= 0) {
          const v4all = re.ext.some(
            x => x.family === 4 && x.start === 0n && x.end === familyMax(4),
          );
          const v6all = re.ext.some(
            x => x.family === 6 && x.start === 0n && x.end === familyMax(6),
          );
          if (el.peers === 'any') {
            add({
              severity: 'warning',
              code: 'broad-peer',
              message: `${at}: no peer given, so every peer (including world) is allowed`,
            });
          } else if (re.anyPeer)
            add({
              severity: 'warning',
              code: 'broad-peer',
              message: `${at}: grants entity "all"`,
            });
          else if (v4all && v6all)
            add({
              severity: 'warning',
              code: 'broad-peer',
              message: `${at}: grants world`,
            });
          else if (v4all || v6all)
            add({
              severity: 'warning',
              code: 'broad-peer',
              message: `${at}: grants ${v4all ? '0.0.0.0/0' : '::/0'}`,
            });
        }
        if (clusterDescribed) {
          for (const sel of re.selectors) {
            if (selectsReserved(sel) || engine.workloadsMatching(sel).length)
              continue;
            add({
              severity: 'warning',
              code: 'peer-selects-nothing',
              message: `${at}: the endpoint selector ${formatSelector(
                sel,
              )} selects no workload`,
            });
          }
        }
        if (el.ports !== 'all' && el.ports.length === 0) {
          add({
            severity: 'warning',
            code: 'empty-section',
            message: `${at}: toPorts without ports allows nothing`,
          });
        }
        // toFQDNs needs a DNS rule for the same endpoints
        if (re.fqdns.length) {
          for (const w of selected) {
            const prof = engine.profile(w.id);
            for (const f of re.fqdns) {
              if (!prof?.egress.dns.some(d => dnsCovers(d, f.text))) {
                add({
                  severity: 'warning',
                  code: 'fqdn-without-dns',
                  message: `${at}: toFQDNs "${f.text}" but ${w.id} has no egress DNS rule (rules.dns) covering it: no IPs are learned, traffic is dropped`,
                });
              }
            }
          }
        }
        // named ports must resolve on the destination
        if (el.ports !== 'all') {
          for (const pr of el.ports) {
            if (pr.name === undefined) continue;
            const dsts =
              el.ref.direction === 'ingress'
                ? selected
                : engine.elementWorkloads(re);
            const ok = dsts.some(w =>
              w.ports.some(cp => cp.name?.toLowerCase() === pr.name),
            );
            if (!ok) {
              add({
                severity: 'warning',
                code: 'named-port-unresolved',
                message: `${at}: named port "${
                  pr.name
                }" matches no container port of the ${
                  el.ref.direction === 'ingress' ? 'selected' : 'destination'
                } workloads`,
              });
            }
          }
        }
      }
    }
    if (hasDeny && !hasAllow) {
      add({
        severity: 'warning',
        code: 'deny-only',
        message:
          'deny-only policy: it also puts the selected endpoints into default deny for that direction, so everything not allowed elsewhere is dropped',
      });
    }
  }
  return out;
}
