import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type {
  RequestDiff,
  RequestFinding,
  RequestReplay,
} from '@cilium-zero-trust/plugin-cilium-common';

/**
 * A change to the GitOps repository: the files of one connectivity request.
 * @public
 */
export interface PolicyChange {
  /** The request id; branches are named `netpol/<id>`, so publishing twice updates the same change. */
  id: string;
  kind: 'grant' | 'removal';
  /** Pull request title / commit subject. */
  title: string;
  /** One sentence in entity terms. */
  summary: string;
  requester: string;
  justification: string;
  expiresAt?: string;
  /** Link to the request page in Backstage. */
  link?: string;
  /** Files to write; `content: null` deletes the file. */
  files: Array<{ path: string; content: string | null }>;
  diff: RequestDiff;
  findings: RequestFinding[];
  replay?: RequestReplay;
  /** Who approved, for the record. */
  approvals: Array<{ role: string; by: string }>;
}

/**
 * Where a change was published.
 * @public
 */
export interface Publication {
  /** The publisher's type, e.g. `local-git` or `github`. */
  publisher: string;
  branch: string;
  /** Pull request (or repository) URL. */
  url?: string;
  /** Pull request number. */
  number?: number;
  state: 'open' | 'merged' | 'closed';
}

/**
 * Opens changes on a GitOps repository. `publish` must be idempotent per
 * change id: publishing the same change again updates the existing branch and
 * pull request, it never opens a second one. This is what makes the backend's
 * outbox deliver exactly one pull request per request.
 * @public
 */
export interface PolicyPublisher {
  /** Matches `cilium.requests.publisher.type`. */
  readonly type: string;
  /**
   * Prepares the target at startup (for `local-git`: creates and seeds the
   * repository). Optional; publishing works without it.
   */
  init?(): Promise<void>;
  publish(change: PolicyChange): Promise<Publication>;
  /** The current state of a publication (merged, closed…). */
  status(publication: Publication): Promise<Publication['state']>;
  /**
   * Merges from the portal (publishers without a review UI of their own, such
   * as `local-git`). Idempotent. Absent when merging happens on the Git host.
   */
  merge?(change: PolicyChange, publication: Publication): Promise<Publication>;
}

/**
 * Lets modules add publishers to the cilium backend; the one whose `type`
 * equals `cilium.requests.publisher.type` is used.
 * @public
 */
export interface CiliumPublishersExtensionPoint {
  addPublisher(publisher: PolicyPublisher): void;
}

/**
 * Extension point for policy publishers.
 * @public
 */
export const ciliumPublishersExtensionPoint =
  createExtensionPoint<CiliumPublishersExtensionPoint>({
    id: 'cilium.publishers',
  });

/**
 * The branch a change is published on: `netpol/<id>`. The id may hold only
 * letters, digits, `.`, `_` and `-` (and not start with `.` or `-`), so a
 * branch name never carries control characters, spaces or ref syntax.
 * @public
 */
export function changeBranch(change: { id: string }): string {
  const id = change.id;
  let ok = id.length > 0 && id.length <= 128 && id[0] !== '.' && id[0] !== '-';
  for (let i = 0; ok && i < id.length; i++) {
    const c = id.charCodeAt(i);
    ok =
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0x2d ||
      c === 0x2e ||
      c === 0x5f;
  }
  if (!ok || id.includes('..'))
    throw new Error(
      `Change id ${JSON.stringify(
        id.slice(0, 64),
      )} cannot name a branch: use letters, digits, '.', '_' and '-' only`,
    );
  return `netpol/${id}`;
}
