import { RequestEvent } from '@cilium-zero-trust/plugin-cilium-common';

const CSV_COLUMNS: Array<keyof RequestEvent> = [
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
    lines.push(CSV_COLUMNS.map(c => csvCell(e[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Events as JSON lines. */
export function eventsToJsonLines(events: RequestEvent[]): string {
  return (
    events.map(e => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '')
  );
}
