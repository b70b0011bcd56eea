import type { CoverageEntry } from '../evaluate/engine';
import { formatPolicyRef } from '../model/policy';
import { jsonArrayChunks } from './json';

/** Output formats of `coverage`. */
export type CoverageFormat = 'txt' | 'json';

/**
 * The `coverage` output in pieces: `json` one workload at a time; `txt` the
 * sorted "not protected" lines, then how many workloads are isolated both ways.
 */
export function* formatCoverageChunks(
  coverage: readonly CoverageEntry[],
  format: CoverageFormat,
): Generator<string, void, undefined> {
  if (format === 'json') {
    yield* jsonArrayChunks(
      (function* entries() {
        for (const c of coverage)
          yield {
            workload: c.workload.id,
            ingress: {
              isolated: c.ingress.isolated,
              isolatedBy: c.ingress.isolatedBy.map(formatPolicyRef),
            },
            egress: {
              isolated: c.egress.isolated,
              isolatedBy: c.egress.isolatedBy.map(formatPolicyRef),
            },
          };
      })(),
    );
    return;
  }
  const lines: string[] = [];
  let both = 0;
  for (const c of coverage) {
    if (!c.ingress.isolated)
      lines.push(`${c.workload.id} is not protected on Ingress`);
    if (!c.egress.isolated)
      lines.push(`${c.workload.id} is not protected on Egress`);
    if (c.ingress.isolated && c.egress.isolated) both++;
  }
  lines.sort();
  for (const l of lines) yield `${l}\n`;
  yield `${both}/${coverage.length} workloads isolated in both directions\n`;
}
