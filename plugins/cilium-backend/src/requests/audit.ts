import { AuditorService } from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import { RequestEvent } from '@cilium-zero-trust/plugin-cilium-common';
import { withAuditEvent } from '../services/auditing';
import type { Request } from 'express';

/**
 * Runs a state-changing route inside an auditor event. The event is created
 * before any validation, so refusals are audited too (`fail`).
 */
export async function audited<T>(
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
    const r = result as { id: string; state: string };
    return { requestId: r.id, state: r.state };
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

const CSV_COLUMNS: Array<keyof RequestEvent | 'data'> = [
  'id',
  'at',
  'requestId',
  'actor',
  'type',
  'fromState',
  'toState',
  'message',
  'data',
];

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // Cells starting with = + - @ would be formulas in spreadsheets.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Events as CSV with a header row (RFC 4180 quoting, formula-safe). */
export function eventsToCsv(events: RequestEvent[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of events)
    lines.push(CSV_COLUMNS.map(c => csvCell((e as any)[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Events as JSON lines. */
export function eventsToJsonLines(events: RequestEvent[]): string {
  return (
    events.map(e => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '')
  );
}
