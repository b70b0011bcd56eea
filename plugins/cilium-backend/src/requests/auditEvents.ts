import { AuditorService } from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import { withAuditEvent } from '../services/auditing';
import type { Request } from 'express';

/**
 * Runs a request route inside a `connectivity-request` auditor event (via
 * {@link withAuditEvent}). The event is created before any validation, so
 * refusals are audited too (`fail`).
 */
export async function auditRequestAction<T>(
  auditor: AuditorService,
  req: Request,
  actionType: string,
  meta: JsonObject,
  fn: () => Promise<T>,
): Promise<T> {
  return withAuditEvent(
    auditor,
    {
      eventId: 'connectivity-request',
      severityLevel: 'medium',
      request: req,
      meta: { actionType, ...meta },
    },
    fn,
    resultMeta,
  );
}

function resultMeta(result: unknown): JsonObject | undefined {
  if (
    result &&
    typeof result === 'object' &&
    'id' in result &&
    'state' in result
  ) {
    const r = result as { id: string; state: string; clusters?: unknown };
    return {
      requestId: r.id,
      state: r.state,
      ...(Array.isArray(r.clusters)
        ? { clusters: r.clusters.filter(c => typeof c === 'string') }
        : {}),
    };
  }
  return undefined;
}

/**
 * Records a transition made by the backend itself (publishing, tracking,
 * expiry) as an auditor event.
 */
export async function auditTransition(
  auditor: AuditorService,
  options: {
    requestId: string;
    /** The clusters the request is for. */
    clusters?: string[];
    from: string;
    to: string;
    actor: string;
    message: string;
  },
): Promise<void> {
  const event = await auditor.createEvent({
    eventId: 'connectivity-request-transition',
    severityLevel: 'medium',
    meta: { actionType: 'transition', ...options },
  });
  await event.success();
}
