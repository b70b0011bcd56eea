import type { PolicyChange } from './types';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * The pull request body: summary, requester, justification, approvals, the
 * connectivity diff as a table, validation results, the replay of recent
 * flows, the YAML and a machine-readable block.
 * @public
 */
export function renderChangeBody(change: PolicyChange): string {
  const lines: string[] = [];
  lines.push(`## Summary`, '', change.summary, '');
  lines.push(
    `**Requester:** ${change.requester}${
      change.link ? ` ([request in Backstage](${change.link}))` : ''
    }`,
    '',
  );
  lines.push(`## Justification`, '', change.justification, '');
  if (change.expiresAt)
    lines.push(
      `**Temporary:** expires ${change.expiresAt}; a removal change is opened then.`,
      '',
    );
  if (change.approvals.length) {
    lines.push(
      `## Approvals`,
      '',
      ...change.approvals.map(a => `- ${a.role}: ${a.by}`),
      '',
    );
  }
  lines.push(`## Connectivity diff`, '');
  const rows = [
    ...change.diff.added.map(r => ({ ...r, change: 'added' })),
    ...(change.diff.changed ?? []).map(r => ({ ...r, change: 'changed' })),
    ...change.diff.removed.map(r => ({ ...r, change: 'removed' })),
  ];
  if (!rows.length) {
    lines.push('No connectivity change.', '');
  } else {
    lines.push(
      '| change | source | destination | before | after |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const r of rows) {
      lines.push(
        `| ${r.change} | ${cell(r.src)} | ${cell(r.dst)} | ${cell(
          r.before,
        )} | ${cell(r.after)} |`,
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
  for (const f of change.findings) lines.push(`- ${f.severity}: ${f.message}`);
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
        `- ${f.time} ${f.source} → ${f.destination} ${f.protocol} ${f.port}: DROPPED → allowed`,
      );
    }
    if (change.replay.newlyAllowed.length) lines.push('');
  }
  lines.push(`## Files`, '');
  for (const file of change.files) {
    if (file.content === null) {
      lines.push(`Delete \`${file.path}\``, '');
    } else {
      lines.push(
        `\`${file.path}\``,
        '',
        '```yaml',
        file.content.trimEnd(),
        '```',
        '',
      );
    }
  }
  lines.push(
    `## Rollback`,
    '',
    `Revert this change (files: ${change.files
      .map(f => `\`${f.path}\``)
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
 * The commit message: the title, then the rationale.
 * @public
 */
export function renderCommitMessage(change: PolicyChange): string {
  return [
    change.title,
    '',
    change.summary,
    '',
    `Requested-by: ${change.requester}`,
    `Justification: ${change.justification.replace(/\s+/g, ' ').trim()}`,
    ...(change.expiresAt ? [`Expires: ${change.expiresAt}`] : []),
    ...change.approvals.map(a => `Approved-by: ${a.by} (${a.role})`),
    `Request: ${change.id}`,
  ].join('\n');
}
