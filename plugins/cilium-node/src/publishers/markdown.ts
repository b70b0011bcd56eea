import {
  plainLines,
  singleLine,
} from '@cilium-zero-trust/cilium-policy-engine';
import type { PolicyChange } from './types';

/** ASCII punctuation that can open Markdown or HTML structure anywhere in a line. */
const MARKDOWN_SPECIAL = new Set('\\`*_[]<>#|~&'.split(''));

/**
 * Untrusted text as literal Markdown inline text: one line (no control
 * characters or line breaks), the punctuation that can open emphasis, code,
 * links, HTML, headings, tables or entities backslash-escaped (CommonMark
 * renders an escaped punctuation character as itself), and a leading list
 * or setext marker (`-`, `+`, `=`, `1.`, `1)`) escaped too.
 */
export function markdownText(text: string): string {
  const flat = singleLine(text);
  let digits = 0;
  while (digits < flat.length && flat[digits] >= '0' && flat[digits] <= '9')
    digits++;
  let out = '';
  for (let i = 0; i < flat.length; i++) {
    const c = flat[i];
    const lineStartMarker =
      (i === 0 && (c === '-' || c === '+' || c === '=')) ||
      (i === digits && digits > 0 && (c === '.' || c === ')'));
    out += MARKDOWN_SPECIAL.has(c) || lineStartMarker ? `\\${c}` : c;
  }
  return out;
}

/** The longest run of backticks in text. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    run = text.charCodeAt(i) === 0x60 ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/**
 * Untrusted multi-line text as a fenced code block whose fence is longer than
 * any backtick run in the text, so nothing inside can close it, open a
 * heading or hide in an HTML comment.
 */
export function markdownFence(text: string, info = ''): string[] {
  const body = plainLines(text).trimEnd();
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  return [`${fence}${info}`, body, fence];
}

/** Untrusted text as an inline code span (paths): one line, delimited by a longer backtick run. */
export function markdownCode(text: string): string {
  const flat = singleLine(text);
  const ticks = '`'.repeat(longestBacktickRun(flat) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A link target for `[text](url)`: characters that could end or break it are percent-encoded. */
function linkTarget(url: string): string {
  let out = '';
  for (const c of singleLine(url))
    out += ' ()<>[]`'.includes(c)
      ? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
      : c;
  return out;
}

const cell = markdownText;

/**
 * The pull request body: summary, requester, justification, approvals, the
 * connectivity diff as a table, validation results, the replay of recent
 * flows, the YAML and a machine-readable block.
 * @public
 */
export function renderChangeBody(change: PolicyChange): string {
  const lines: string[] = [];
  lines.push(`## Summary`, '', markdownText(change.summary), '');
  lines.push(
    `**Requester:** ${markdownText(change.requester)}${
      change.link ? ` ([request in Backstage](${linkTarget(change.link)}))` : ''
    }`,
    '',
  );
  // Free text from the requester: a code block it cannot close.
  lines.push(
    `## Justification`,
    '',
    ...markdownFence(change.justification, 'text'),
    '',
  );
  if (change.expiresAt)
    lines.push(
      `**Temporary:** expires ${markdownText(
        change.expiresAt,
      )}; a removal change is opened then.`,
      '',
    );
  if (change.approvals.length) {
    lines.push(
      `## Approvals`,
      '',
      ...change.approvals.map(
        a => `- ${markdownText(a.role)}: ${markdownText(a.by)}`,
      ),
      '',
    );
  }
  lines.push(`## Connectivity diff`, '');
  const rows = [
    ...change.diff.added.map(r => ({ ...r, change: 'added' })),
    ...(change.diff.changed ?? []).map(r => ({ ...r, change: 'changed' })),
    ...change.diff.removed.map(r => ({ ...r, change: 'removed' })),
  ];
  // A change for several clusters says which cluster each row is in.
  const perCluster = new Set(rows.map(r => r.cluster ?? '')).size > 1;
  if (!rows.length) {
    lines.push('No connectivity change.', '');
  } else {
    lines.push(
      `| ${
        perCluster ? 'cluster | ' : ''
      }change | source | destination | before | after |`,
      `| ${perCluster ? '--- | ' : ''}--- | --- | --- | --- | --- |`,
    );
    for (const r of rows) {
      lines.push(
        `| ${perCluster ? `${cell(r.cluster ?? '')} | ` : ''}${
          r.change
        } | ${cell(r.src)} | ${cell(r.dst)} | ${cell(r.before)} | ${cell(
          r.after,
        )} |`,
      );
    }
    lines.push('');
  }
  const errors = change.findings.filter(f => f.severity === 'error');
  lines.push(`## Validation`, '');
  lines.push(
    `- Schema and Cilium sanitiser checks: ${errors.length ? '✘' : '✔'}`,
  );
  lines.push(`- Guardrails: ${errors.length ? '✘' : '✔'}`);
  for (const f of change.findings)
    lines.push(`- ${markdownText(f.severity)}: ${markdownText(f.message)}`);
  lines.push('');
  if (change.replay) {
    lines.push(
      `## Replay of recent flows`,
      '',
      `Replayed ${change.replay.flowsReplayed} recent flows: ${change.replay.newlyAllowed.length} dropped flows would be allowed, ${change.replay.newlyDropped.length} forwarded flows would be dropped.`,
      '',
    );
    for (const f of change.replay.newlyAllowed.slice(0, 20)) {
      lines.push(
        `- ${markdownText(
          `${f.time} ${f.source} → ${f.destination} ${f.protocol} ${f.port}`,
        )}: DROPPED → allowed`,
      );
    }
    if (change.replay.newlyAllowed.length) lines.push('');
  }
  lines.push(`## Files`, '');
  for (const file of change.files) {
    if (file.content === null) {
      lines.push(`Delete ${markdownCode(file.path)}`, '');
    } else {
      lines.push(
        markdownCode(file.path),
        '',
        ...markdownFence(file.content, 'yaml'),
        '',
      );
    }
  }
  lines.push(
    `## Rollback`,
    '',
    `Revert this change (files: ${change.files
      .map(f => markdownCode(f.path))
      .join(', ')}).`,
    '',
  );
  const machine = {
    id: change.id,
    kind: change.kind,
    requester: change.requester,
    files: change.files.map(f => f.path),
    expires: change.expiresAt ?? null,
  };
  lines.push(
    `<!-- netpol-request: ${JSON.stringify(machine).replace(/--/g, '- -')} -->`,
  );
  return lines.join('\n');
}

/**
 * The commit message: the title, then the rationale. Every value is made one
 * line, so no text from a request can add a line, and with it a forged
 * trailer such as `Approved-by:`.
 * @public
 */
export function renderCommitMessage(change: PolicyChange): string {
  return [
    singleLine(change.title),
    '',
    singleLine(change.summary),
    '',
    `Requested-by: ${singleLine(change.requester)}`,
    `Justification: ${singleLine(change.justification)}`,
    ...(change.expiresAt ? [`Expires: ${singleLine(change.expiresAt)}`] : []),
    ...change.approvals.map(
      a => `Approved-by: ${singleLine(a.by)} (${singleLine(a.role)})`,
    ),
    `Request: ${singleLine(change.id)}`,
  ].join('\n');
}
