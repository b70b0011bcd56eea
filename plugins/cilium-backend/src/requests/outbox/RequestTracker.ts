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
    if (request.kind === 'removal') await this.settleExpiring();
  }

  /** Moves a merged request to enforced when the policy source has its change. */
  private async enforceIfPresent(request: ConnectivityRequest): Promise<void> {
    if (request.state !== 'merged') return;
    if (!(await this.inPolicySource(request).catch(() => false))) return;
    await this.move(
      request,
      'enforced',
      'system',
      `The policy ${
        request.clusters.length > 1
          ? `sources of clusters ${request.clusters.join(', ')}`
          : `source of cluster ${request.cluster}`
      } now ${request.kind === 'removal' ? 'no longer contain' : 'contain'}${
        request.clusters.length > 1 ? '' : 's'
      } the policies`,
    );
  }

  /**
   * Whether the policy source of every cluster of the request has the
   * request's documents for that cluster (or, for removals, no longer has
   * them). Request files are named by their path in the GitOps repository
   * (`<cluster folder>/<namespace>/<name>.yaml`); a source's files are
   * relative to its root, usually that folder.
   */
  async inPolicySource(request: ConnectivityRequest): Promise<boolean> {
    const { policies } = this.options;
    const sources = new Map<string, Map<string, string>>();
    for (const cluster of request.clusters) {
      const files = await policies.policyFiles(cluster);
      if (!files) return false;
      sources.set(cluster, files);
    }
    const wanted = request.removes ?? request.id;
    return request.policies.every(p => {
      const cluster = p.cluster ?? request.cluster;
      const files = sources.get(cluster);
      if (!files) return false;
      let text: string | undefined;
      for (const name of policies.sourcePaths(cluster, p.path)) {
        text = files.get(name);
        if (text !== undefined) break;
      }
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
    if (publisher) {
      for await (const request of store.inStates(['published'])) {
        if (!request.publication) continue;
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
    }
    for await (const request of store.inStates(['merged'])) {
      await this.enforceIfPresent(request);
    }
    await this.expire();
    await this.settleExpiring();
  }

  /**
   * The removal request of a grant, built from the grant: approved already
   * (the grant's approvals covered its end), reverting the grant's diff.
   */
  private removalOf(grant: ConnectivityRequest, id: string): StoredRequest {
    const at = this.now().toISOString();
    return {
      id,
      kind: 'removal',
      removes: grant.id,
      state: 'approved',
      cluster: grant.cluster,
      clusters: grant.clusters,
      source: grant.source,
      target: grant.target,
      ports: grant.ports,
      ...(grant.http ? { http: grant.http } : {}),
      justification: `Expiry of ${grant.id} (${grant.expiresAt}): ${grant.justification}`,
      requester: grant.requester,
      createdAt: at,
      updatedAt: at,
      policies: grant.policies,
      findings: [],
      diff: {
        added: [],
        removed: grant.diff.added.map(r => ({
          ...r,
          before: r.after,
          after: r.before,
        })),
      },
      destinationOwners: grant.destinationOwners,
      consentNeeded: false,
    };
  }

  /**
   * Files removal `removalId` of `grant` unless it exists already (another
   * replica or an earlier pass filed it); true when this call filed it.
   */
  private async fileRemoval(
    grant: ConnectivityRequest,
    removalId: string,
    actor: string,
    message: string,
  ): Promise<boolean> {
    const { store } = this.options;
    if (await store.get(removalId)) return false;
    try {
      await this.options.transitions.file(
        this.removalOf(grant, removalId),
        { actor, message },
        `removal of ${grant.id}`,
      );
      return true;
    } catch (e) {
      if (!(await store.get(removalId))) throw e;
      return false;
    }
  }

  /**
   * Expired grants whose removal is enforced (the policy source of their
   * cluster no longer has the grant) become `expired`; the others stay
   * `expiring`, in force.
   */
  async settleExpiring(): Promise<void> {
    const { store } = this.options;
    for await (const grant of store.inStates(['expiring'])) {
      const removal = (await store.removalsOf(grant.id)).at(-1);
      if (removal?.state !== 'enforced') continue;
      await this.move(
        grant,
        'expired',
        'system:expiry',
        `Removal ${removal.id} is enforced: the policy ${
          grant.clusters.length > 1
            ? `sources of clusters ${grant.clusters.join(
                ', ',
              )} no longer contain`
            : `source of cluster ${grant.cluster} no longer contains`
        } the grant`,
      );
    }
  }

  /**
   * Files the removal of an `expiring` grant again after its last removal
   * was closed without merging (or withdrawn); the new removal is tracked
   * like the first. Returns its id.
   */
  async fileRemovalAgain(
    grant: ConnectivityRequest,
    actor: string,
  ): Promise<string> {
    if (grant.kind !== 'grant' || grant.state !== 'expiring') {
      throw new ConflictError(
        `Request ${grant.id} is ${grant.state}; only an expiring grant has a removal to file again`,
      );
    }
    const removals = await this.options.store.removalsOf(grant.id);
    const last = removals.at(-1);
    if (last && last.state !== 'rejected' && last.state !== 'withdrawn') {
      throw new ConflictError(
        `The removal of ${grant.id} (${last.id}) is ${last.state}, not closed; it is still being tracked`,
      );
    }
    const removalId = `${grant.id}-rm-${removals.length + 1}`;
    if (
      !(await this.fileRemoval(
        grant,
        removalId,
        actor,
        `Filed again by ${actor}: ${grant.id} expired at ${grant.expiresAt}${
          last ? ` and its removal ${last.id} was ${last.state}` : ''
        }`,
      ))
    ) {
      throw new ConflictError(
        `Removal ${removalId} of ${grant.id} was filed at the same time by someone else; reload it`,
      );
    }
    await this.options.store.addEvent(grant.id, {
      actor,
      type: 'removal-filed',
      message: `${actor} filed the removal again: ${removalId}`,
    });
    this.options.onApproved?.(removalId);
    return removalId;
  }

  /**
   * Temporary grants whose time has come: files their removal requests and
   * moves them to `expiring` (they stay in force until the removal is
   * enforced, see {@link RequestTracker.settleExpiring}).
   */
  async expire(): Promise<string[]> {
    const { store } = this.options;
    const now = this.now();
    const filed: string[] = [];
    for await (const request of store.inStates(['merged', 'enforced'])) {
      if (
        request.kind !== 'grant' ||
        !request.expiresAt ||
        new Date(request.expiresAt) > now
      )
        continue;
      const removalId = `${request.id}-rm`;
      if (
        await this.fileRemoval(
          request,
          removalId,
          'system:expiry',
          `Filed automatically: ${request.id} expired at ${request.expiresAt}; removing its policies needs no further approval`,
        )
      )
        filed.push(removalId);
      await this.move(
        request,
        'expiring',
        'system:expiry',
        `Expired at ${request.expiresAt}; removal request ${removalId} filed. The grant stays in force until the removal is enforced`,
      );
    }
    for (const id of filed) this.options.onApproved?.(id);
    return filed;
  }
}
