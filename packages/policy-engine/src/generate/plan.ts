import { diffEngines } from '../evaluate/diff';
import { PolicyEngine, PeerQuery } from '../evaluate/engine';
import { isPeerEntity } from '../model/entities';
import { formatAddress, parseCidr } from '../model/ip';
import type { Policy } from '../model/policy';
import { InventoryBuilder } from '../parse/inventory';
import { lint } from '../lint/lint';
import { generate } from './generate';
import type {
  ConnectivityDiff,
  ExpectedEdge,
  Finding,
  GeneratedPolicy,
  GenerateRequest,
  GenerateResult,
} from './types';
import { covers, verifyDiff } from './verify';

/**
 * A new engine: the same world and policies plus the given documents (a
 * document naming a policy the engine has replaces it). Computed
 * incrementally with {@link PolicyEngine.withChanges}; `before` is unchanged.
 *
 * @public
 */
export function withPolicies(
  before: PolicyEngine,
  policies: Array<{ path: string; yaml: string }>,
): PolicyEngine {
  return before.withChanges({ add: parsePolicies(policies) });
}

function parsePolicies(
  policies: Array<{ path: string; yaml: string }>,
): Policy[] {
  const b = new InventoryBuilder();
  for (const p of policies) b.addText(p.yaml, p.path);
  const added = b.build();
  const problems = added.diagnostics.filter(d => d.severity === 'error');
  if (problems.length) {
    throw new Error(
      `The generated policies do not parse: ${problems
        .map(d => `${d.file ?? ''} ${d.message}`)
        .join('; ')}`,
    );
  }
  return added.policies;
}

/** Engine queries that stand for an expected edge's destination. */
function destinationQueries(dst: string): PeerQuery[] {
  const fqdn = /^(.*)\[FQDN\]$/.exec(dst);
  if (fqdn) return [{ fqdn: fqdn[1].replace(/\*/g, 'x') }];
  const entity = /^(.*)\[Entity\]$/.exec(dst);
  if (entity) {
    const name = entity[1];
    return isPeerEntity(name) || name === 'world' ? [{ entity: name }] : [];
  }
  if (dst.includes('/') && !dst.includes('[')) {
    const r = parseCidr(dst);
    return [
      { ip: formatAddress(r.family, r.start) },
      { ip: formatAddress(r.family, r.end) },
    ];
  }
  return [{ workload: dst }];
}

/**
 * Whether an engine allows an expected edge completely.
 *
 * @public
 */
export function allowsEdge(engine: PolicyEngine, edge: ExpectedEdge): boolean {
  return destinationQueries(edge.dst).every(q =>
    covers(engine.connection({ workload: edge.src }, q)?.conn, edge.conn),
  );
}

/**
 * Generation plus the test: the diff of the whole graph before and after.
 *
 * @public
 */
export interface ChangePlan extends GenerateResult {
  diff: ConnectivityDiff;
  /** The engine with the generated policies applied (for replaying flows). */
  after?: PolicyEngine;
}

/**
 * Generates the policies for a request and tests them: builds the engine with
 * the policies added, diffs the whole graph and checks that exactly the
 * requested edges are added. Findings with severity `error` mean the request
 * must not be filed as it is.
 *
 * @public
 */
export function planChange(
  request: GenerateRequest,
  before: PolicyEngine,
): ChangePlan {
  const generated = generate(request, before);
  const empty: ConnectivityDiff = { added: [], removed: [], changed: [] };
  if (
    generated.findings.some(f => f.severity === 'error') ||
    !generated.policies.length
  ) {
    return { ...generated, diff: empty };
  }
  const added = parsePolicies(generated.policies);
  const after = before.withChanges({ add: added });
  const { diff, findings } = verifyDiff(
    generated.expected,
    diffEngines(before, after),
    edge => allowsEdge(after, edge),
  );
  // The engine's guardrails, on the generated policies only: a warning about
  // a policy someone else wrote is not this request's business.
  const names = generated.policies.map(
    p => `/${(p.object.metadata as { name: string }).name}`,
  );
  const guardrails: Finding[] = lint(after, { policies: added })
    .filter(f => f.policy && names.some(n => f.policy!.endsWith(n)))
    .map(f => ({
      severity: f.severity === 'info' ? 'info' : 'error',
      code: `lint-${f.code}`,
      message: `${f.policy}: ${f.message}`,
      ...(f.policy ? { policies: [f.policy] } : {}),
    }));
  return {
    ...generated,
    findings: [...generated.findings, ...guardrails, ...findings],
    diff,
    after,
  };
}

/**
 * The documents of a plan, for storing.
 *
 * @public
 */
export function planFiles(plan: {
  policies: GeneratedPolicy[];
}): Array<{ path: string; yaml: string }> {
  return plan.policies.map(p => ({ path: p.path, yaml: p.yaml }));
}
