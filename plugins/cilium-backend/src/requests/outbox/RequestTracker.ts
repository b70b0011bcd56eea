import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import { ConnectivityRequest } from '@cilium-zero-trust/plugin-cilium-common';
import type { PolicyPublisher } from '@cilium-zero-trust/plugin-cilium-node';
import { parseAllDocuments } from 'yaml';
import { auditTransition } from '../audit';
import { buildChange } from '../changes';
import { EngineProvider } from '../EngineProvider';
import { RequestStore, StoredRequest } from '../RequestStore';

/** Options of {@link RequestTracker}. */
export interface RequestTrackerOptions {
  store: RequestStore;
  /** Where approved requests are published; none when publishing is not configured. */
  publisher?: PolicyPublisher;
  engines: EngineProvider;
  auditor: AuditorService;
  logger: LoggerService;
  now?: () => Date;
  /** Called when removal requests were filed (kicks the outbox). */
  onApproved?: (id: string) => void;
}

const REQUEST_ID_ANNOTATION = 'cilium.backstage.io/request-id';

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
    patch = {},
  ): Promise<boolean> {
    const ok = await this.options.store.transition(
      request.id,
      request.state,
      to,
      { actor, type: 'state', message },
      patch,
    );
    if (ok) {
      await auditTransition(this.options.auditor, {
        requestId: request.id,
        from: request.state,
        to,
        actor,
        message,
      });
    }
    return ok;
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
      request.publication as any,
    );
    await this.move(
      request,
      'merged',
      actor,
      `Merged ${publication.branch} by ${actor}`,
      { publication },
    );
    this.options.engines.invalidate();
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
    const files = await this.options.engines.policyFiles(request.cluster);
    if (!files) return false;
    const wanted = request.removes ?? request.id;
    return request.policies.every(p => {
      // A source rooted at the repository's top (git `path: ''`) names it in full.
      const text =
        files.get(p.path.replace(/^policies\//, '')) ?? files.get(p.path);
      let present = false;
      if (text !== undefined) {
        try {
          present = parseAllDocuments(text).some(
            d =>
              (d.toJS() as any)?.metadata?.annotations?.[
                REQUEST_ID_ANNOTATION
              ] === wanted,
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
        const state = await publisher.status(request.publication as any);
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
          this.options.engines.invalidate();
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
          await store.create(removal, {
            actor: 'system:expiry',
            type: 'state',
            toState: 'approved',
            message: `Filed automatically: ${request.id} expired at ${request.expiresAt}; removing its policies needs no further approval`,
          });
          filed.push(removalId);
          await auditTransition(this.options.auditor, {
            requestId: removalId,
            from: '',
            to: 'approved',
            actor: 'system:expiry',
            message: `removal of ${request.id}`,
          });
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
