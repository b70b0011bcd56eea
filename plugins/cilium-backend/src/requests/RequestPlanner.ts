import { InputError } from '@backstage/errors';
import {
  ChangePlan,
  GenerateRequest,
  planChange,
} from '@cilium-zero-trust/cilium-policy-engine';
import { RequestReplay } from '@cilium-zero-trust/plugin-cilium-common';
import type { LeanFlow } from '@cilium-zero-trust/plugin-cilium-node';
import type { ResolvedPeers } from '../services/TargetResolver';
import { ClusterPolicies } from './ClusterPolicies';
import { replayFlows } from './replay';
import { RequestBody } from './schema';

/** What the planner needs. */
export interface RequestPlannerOptions {
  policies: ClusterPolicies;
  /** Recent flows of an entity from the live buffer (for the replay). */
  recentFlows?: (entityRef: string) => LeanFlow[];
  now: () => Date;
}

/** A planned change: policies, findings, connectivity diff, and the replay of recent flows. */
export interface RequestPlan {
  plan: ChangePlan;
  replay: RequestReplay;
}

const NO_REPLAY: RequestReplay = {
  flowsReplayed: 0,
  newlyAllowed: [],
  newlyDropped: [],
};

/**
 * Plans a request against its cluster's current policies: generates the
 * policies (the engine's `planChange`: guardrails, validation, connectivity
 * diff), then replays the source's recent flows through the policies before
 * and after; a grant that would drop recently forwarded traffic is an error.
 * Nothing is stored.
 */
export class RequestPlanner {
  constructor(private readonly options: RequestPlannerOptions) {}

  async plan(input: {
    id: string;
    requester: string;
    body: RequestBody;
    peers: ResolvedPeers;
  }): Promise<RequestPlan> {
    const { id, requester, body, peers } = input;
    const before = await this.options.policies.engineFor(peers.cluster);
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
    if (
      body.expiresAt &&
      new Date(body.expiresAt).getTime() <= this.options.now().getTime()
    ) {
      throw new InputError(
        `expiresAt ${body.expiresAt} is in the past; give a future date-time or leave it out`,
      );
    }
    const plan = planChange(request, before);
    const replay =
      plan.after && this.options.recentFlows
        ? replayFlows(
            this.options.recentFlows(peers.source.entityRef),
            before,
            plan.after,
          )
        : NO_REPLAY;
    if (replay.newlyDropped.length) {
      plan.findings.push({
        severity: 'error',
        code: 'replay-newly-dropped',
        message: `${replay.newlyDropped.length} recently forwarded flow(s) would be dropped after this change; a grant must not remove traffic.`,
      });
    }
    return { plan, replay };
  }
}
