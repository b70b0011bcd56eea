import type { DiffEntry } from '../evaluate/diff';

/**
 * Output formats of `diff`.
 *
 * @public
 */
export type DiffFormat = 'txt' | 'csv' | 'md' | 'json';

/**
 * Formats a diff like netpol-analyzer (`txt`: empty output when there is no difference).
 *
 * @public
 */
export function formatDiff(
  entries: readonly DiffEntry[],
  format: DiffFormat,
): string {
  const rows = entries.map(e => ({
    type: e.type,
    src: e.src,
    dst: e.dst,
    ref1: e.ref1.toString(),
    ref2: e.ref2.toString(),
    info: e.workloadsDiffInfo ?? '',
  }));
  switch (format) {
    case 'txt':
      if (!rows.length) return '';
      return `${[
        'Connectivity diff:',
        ...rows.map(
          r =>
            `diff-type: ${r.type}, source: ${r.src}, destination: ${
              r.dst
            }, ref1: ${r.ref1}, ref2: ${r.ref2}${
              r.info ? `, workloads-diff-info: ${r.info}` : ''
            }`,
        ),
      ].join('\n')}\n`;
    case 'csv': {
      const q = (s: string) =>
        /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
      if (!rows.length) return '';
      return `${[
        'diff-type,source,destination,ref1,ref2,workloads-diff-info',
        ...rows.map(r =>
          [r.type, r.src, r.dst, r.ref1, r.ref2, r.info].map(q).join(','),
        ),
      ].join('\n')}\n`;
    }
    case 'md':
      if (!rows.length) return '';
      return `${[
        '| diff-type | source | destination | ref1 | ref2 | workloads-diff-info |',
        '|-----------|--------|-------------|------|------|---------------------|',
        ...rows.map(
          r =>
            `| ${r.type} | ${r.src} | ${r.dst} | ${r.ref1} | ${r.ref2} | ${r.info} |`,
        ),
      ].join('\n')}\n`;
    case 'json':
      return `${JSON.stringify(
        rows.map(r => ({
          'diff-type': r.type,
          source: r.src,
          destination: r.dst,
          ref1: r.ref1,
          ref2: r.ref2,
          ...(r.info ? { 'workloads-diff-info': r.info } : {}),
        })),
        null,
        2,
      )}\n`;
    default:
      throw new Error(`unknown format ${String(format)}`);
  }
}
