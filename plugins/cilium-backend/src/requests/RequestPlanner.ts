import { InputError } from '@backstage/errors';
import {
  GenerateRequest,
  planChange,
} from '@cilium-zero-trust/cilium-policy-engine';
import {
  RequestDiff,
  RequestFinding,
  RequestPolicyFile,
  RequestReplay,
} from '@cilium-zero-trust/plugin-cilium-common';
import type { LeanFlow } from '@cilium-zero-trust/plugin-cilium-node';
import type { ResolvedPeers } from '../services/TargetResolver';
import { ClusterPolicies } from './ClusterPolicies';
import { replayFlows } from './replay';
import { RequestBody } from './schema';

/** What the planner needs. */
export interface RequestPlannerOptions {
  policies: ClusterPolicies;
  /** Recent flows of an entity in a cluster from the live buffer (for the replay). */
  recentFlows?: (entityRef: string, cluster: string) => LeanFlow[];
  now: () => Date;
}

/**
 * A planned change over every cluster of the request: one policy set per
 * cluster (each file under its cluster's folder), the findings, the
 * connectivity diff and the replay of recent flows, each tagged with its
 * cluster.
 */
export interface RequestPlan {
  policies: RequestPolicyFile[];
  findings: RequestFinding[];
  diff: RequestDiff;
  replay: RequestReplay;
}

/**
 * Plans a request against each of its clusters' current policies: generates
 * the policies (the engine's `planChange`: guardrails, validation,
 * connectivity diff), then replays the source's recent flows in that cluster
 * through the policies before and after; a grant that would drop recently
 * forwarded traffic is an error. Nothing is stored.
 */
export class RequestPlanner {
  constructor(private readonly options: RequestPlannerOptions) {}

  /** `peers`: the request's two ends resolved in each of its clusters, in order. */
  async plan(input: {
    id: string;
    requester: string;
    body: RequestBody;
    peers: ResolvedPeers[];
  }): Promise<RequestPlan> {
    const { id, requester, body } = input;
    if (
      body.expiresAt &&
      new Date(body.expiresAt).getTime() <= this.options.now().getTime()
    ) {
      throw new InputError(
        `expiresAt ${body.expiresAt} is in the past; give a future date-time or leave it out`,
      );
    }
    const out: RequestPlan = {
      policies: [],
      findings: [],
      diff: { added: [], removed: [], changed: [] },
      replay: { flowsReplayed: 0, newlyAllowed: [], newlyDropped: [] },
    };
    for (const peers of input.peers) {
      const { cluster } = peers;
      const before = await this.options.policies.engineFor(cluster);
      const request: GenerateRequest = {
        id,
        requester,
        justification: body.justification,
        expiresAt: body.expiresAt
          ? new Date(body.expiresAt).toISOString()
          : undefined,
        source: peers.source,
        target: peers.target,
        ports: body.ports,
        http: body.http,
      };
      const plan = planChange(request, before);
      const tag = <T extends object>(x: T) => ({ ...x, cluster });
      out.policies.push(
        ...plan.policies.map(p => ({
          cluster,
          path: this.options.policies.repositoryPath(cluster, p.path),
          yaml: p.yaml,
        })),
      );
      out.findings.push(...plan.findings.map(tag));
      out.diff.added.push(...plan.diff.added.map(tag));
      out.diff.removed.push(...plan.diff.removed.map(tag));
      out.diff.changed!.push(...(plan.diff.changed ?? []).map(tag));
      if (plan.after && this.options.recentFlows) {
        const replay = replayFlows(
          this.options.recentFlows(peers.source.entityRef, cluster),
          before,
          plan.after,
        );
        out.replay.flowsReplayed += replay.flowsReplayed;
        out.replay.newlyAllowed.push(...replay.newlyAllowed.map(tag));
        out.replay.newlyDropped.push(...replay.newlyDropped.map(tag));
        if (replay.newlyDropped.length) {
          out.findings.push({
            severity: 'error',
            code: 'replay-newly-dropped',
            message: `${replay.newlyDropped.length} recently forwarded flow(s) in cluster ${cluster} would be dropped after this change; a grant must not remove traffic.`,
            cluster,
          });
        }
      }
    }
    return out;
  }
}
