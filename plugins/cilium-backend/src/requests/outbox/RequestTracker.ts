import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import {
  ConnectivityRequest,
  RequestPublication,
} from '@cilium-zero-trust/plugin-cilium-common';
import type {
  PolicyPublisher,
  Publication,
} from '@cilium-zero-trust/plugin-cilium-node';
import { parseAllDocuments } from 'yaml';
import { buildChange } from '../changes';
import { ClusterPolicies } from '../ClusterPolicies';
import { RequestStore, StoredRequest } from '../RequestStore';
import { RequestTransitions, TransitionChange } from '../RequestTransitions';

/** Options of {@link RequestTracker}. */
export interface RequestTrackerOptions {
  store: RequestStore;
  /** Where approved requests are published; none when publishing is not configured. */
  publisher?: PolicyPublisher;
  policies: ClusterPolicies;
  transitions: RequestTransitions;
  logger: LoggerService;
  now?: () => Date;
  /** Called when removal requests were filed (kicks the outbox). */
  onApproved?: (id: string) => void;
}

const REQUEST_ID_ANNOTATION = 'cilium.backstage.io/request-id';

/** A stored publication as the publisher's type (older rows may lack a state). */
function toPublication(p: RequestPublication): Publication {
  return { ...p, state: p.state ?? 'open' };
}

/** Whether a YAML document carries the request-id annotation `id`. */
function hasRequestId(doc: unknown, id: string): boolean {
  if (typeof doc !== 'object' || doc === null || !('metadata' in doc))
    return false;
  const { metadata } = doc;
  if (typeof metadata !== 'object' || metadata === null) return false;
  if (!('annotations' in metadata)) return false;
  const { annotations } = metadata;
  return (
    typeof annotations === 'object' &&
    annotations !== null &&
    REQUEST_ID_ANNOTATION in annotations &&
    annotations[REQUEST_ID_ANNOTATION] === id
  );
}

/**
 * Follows requests after publishing: pull request merged (or closed), policy
 * source containing the change (enforced), and expiry of temporary grants,
 * which files their removal request.
 */
export class RequestTracker {
  private readonly now: () => Date;

  constructor(private readonly options: RequestTrackerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private async move(
    request: ConnectivityRequest,
    to: ConnectivityRequest['state'],
    actor: string,
    message: string,
    patch: TransitionChange['patch'] = {},
  ): Promise<boolean> {
    const moved = await this.options.transitions.transition(request, to, {
      actor,
      message,
      patch,
    });
    return moved !== undefined;
  }

  /** Merges a published request from the portal (publishers such as local-git). */
  async merge(request: ConnectivityRequest, actor: string): Promise<void> {
    const { publisher } = this.options;
    if (!publisher) {
      throw new ConflictError(
        `Publishing is not configured (cilium.requests.publisher), so ${request.id} has nothing to merge`,
      );
    }
    if (!publisher.merge) {
      throw new ConflictError(
        `Requests published on ${publisher.type} are merged on the Git host, not in the portal`,
      );
    }
    if (request.state !== 'published' || !request.publication) {
      throw new ConflictError(
        `Request ${request.id} is ${request.state}; only published requests can be merged`,
      );
    }
    if (request.requester === actor) {
      throw new NotAllowedError(
        `You filed ${request.id}; a reviewer must merge it`,
      );
    }
    const publication = await publisher.merge(
      buildChange(request),
      toPublication(request.publication),
    );
    await this.move(
      request,
      'merged',
      actor,
      `Merged ${publication.branch} by ${actor}`,
      { publication },
    );
    this.options.policies.invalidate();
    // When the cluster's policy source is the repository merged into (the
    // embedded setup), the request is enforced right away.
    const merged = await this.options.store.get(request.id);
    if (merged) await this.enforceIfPresent(merged);
  }

  /** Moves a merged request to enforced when the policy source has its change. */
  private async enforceIfPresent(request: ConnectivityRequest): Promise<void> {
    if (request.state !== 'merged') return;
    if (!(await this.inPolicySource(request).catch(() => false))) return;
    await this.move(
      request,
      'enforced',
      'system',
      `The policy source of cluster ${request.cluster} now ${
        request.kind === 'removal' ? 'no longer contains' : 'contains'
      } the policies`,
    );
  }

  /**
   * Whether the cluster's policy source has the request's documents (or, for
   * removals, no longer has them). Request files are named by their path in
   * the GitOps repository (`policies/<namespace>/<name>.yaml`); the source's
   * files are relative to its root, usually that `policies` folder.
   */
  async inPolicySource(request: ConnectivityRequest): Promise<boolean> {
    const files = await this.options.policies.policyFiles(request.cluster);
    if (!files) return false;
    const wanted = request.removes ?? request.id;
    return request.policies.every(p => {
      // A source rooted at the repository's top (git `path: ''`) names it in full.
      const text =
        files.get(p.path.replace(/^policies\//, '')) ?? files.get(p.path);
      let present = false;
      if (text !== undefined) {
        try {
          present = parseAllDocuments(text).some(d =>
            hasRequestId(d.toJS(), wanted),
          );
        } catch {
          present = false;
        }
      }
      return request.kind === 'removal' ? !present : present;
    });
  }

  /** One pass over published, merged and expiring requests. */
  async runOnce(): Promise<void> {
    const { store, publisher, logger } = this.options;
    const published = publisher
      ? await store.list({ states: ['published'] })
      : [];
    for (const request of published) {
      if (!publisher || !request.publication) continue;
      try {
        const state = await publisher.status(
          toPublication(request.publication),
        );
        if (state === 'merged') {
          await this.move(
            request,
            'merged',
            `publisher:${publisher.type}`,
            `${
              request.publication.url ?? request.publication.branch
            } was merged`,
            {
              publication: { ...request.publication, state: 'merged' },
            },
          );
          this.options.policies.invalidate();
        } else if (state === 'closed') {
          await this.move(
            request,
            'rejected',
            `publisher:${publisher.type}`,
            `${
              request.publication.url ?? request.publication.branch
            } was closed without merging`,
            {
              rejectReason: 'The pull request was closed without merging',
            },
          );
        }
      } catch (e) {
        logger.warn(
          `Could not read the state of ${request.id} on ${publisher.type}: ${e}`,
        );
      }
    }
    for (const request of await store.list({ states: ['merged'] })) {
      await this.enforceIfPresent(request);
    }
    await this.expire();
  }

  /** Expires temporary grants whose time has come and files their removal requests. */
  async expire(): Promise<string[]> {
    const { store } = this.options;
    const now = this.now();
    const filed: string[] = [];
    for (const request of await store.list({
      states: ['merged', 'enforced'],
    })) {
      if (
        request.kind !== 'grant' ||
        !request.expiresAt ||
        new Date(request.expiresAt) > now
      )
        continue;
      const removalId = `${request.id}-rm`;
      if (!(await store.get(removalId))) {
        const at = now.toISOString();
        const removal: StoredRequest = {
          id: removalId,
          kind: 'removal',
          removes: request.id,
          state: 'approved',
          cluster: request.cluster,
          source: request.source,
          target: request.target,
          ports: request.ports,
          ...(request.http ? { http: request.http } : {}),
          justification: `Expiry of ${request.id} (${request.expiresAt}): ${request.justification}`,
          requester: request.requester,
          createdAt: at,
          updatedAt: at,
          policies: request.policies,
          findings: [],
          diff: {
            added: [],
            removed: request.diff.added.map(r => ({
              ...r,
              before: r.after,
              after: r.before,
            })),
          },
          destinationOwners: request.destinationOwners,
          consentNeeded: false,
        };
        try {
          await this.options.transitions.file(
            removal,
            {
              actor: 'system:expiry',
              message: `Filed automatically: ${request.id} expired at ${request.expiresAt}; removing its policies needs no further approval`,
            },
            `removal of ${request.id}`,
          );
          filed.push(removalId);
        } catch (e) {
          if (!(await store.get(removalId))) throw e;
        }
      }
      await this.move(
        request,
        'expired',
        'system:expiry',
        `Expired at ${request.expiresAt}; removal request ${removalId} filed`,
      );
    }
    for (const id of filed) this.options.onApproved?.(id);
    return filed;
  }
}
