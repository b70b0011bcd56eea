import type { LintFinding } from '../lint/lint';
import { jsonArrayChunks } from './json';

/** Output formats of `lint`. */
export type LintFormat = 'txt' | 'json';

/** The `lint` output in pieces: one finding each, then (`txt`) their count. */
export function* formatLintChunks(
  findings: readonly LintFinding[],
  format: LintFormat,
): Generator<string, void, undefined> {
  if (format === 'json') {
    yield* jsonArrayChunks(findings);
    return;
  }
  for (const f of findings)
    yield `${f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : ''}${
      f.severity
    } ${f.code}: ${f.message}${f.policy ? ` [${f.policy}]` : ''}\n`;
  yield `${findings.length} finding(s)\n`;
}
