import type { DiffEntry } from '../evaluate/diff';
import { jsonArrayChunks } from './json';

/**
 * Output formats of `diff`.
 *
 * @public
 */
export type DiffFormat = 'txt' | 'csv' | 'md' | 'json';

const DIFF_FORMATS: readonly string[] = ['txt', 'csv', 'md', 'json'];

interface Row {
  type: DiffEntry['type'];
  src: string;
  dst: string;
  ref1: string;
  ref2: string;
  info: string;
}

function* rowsOf(entries: Iterable<DiffEntry>): Generator<Row> {
  for (const e of entries)
    yield {
      type: e.type,
      src: e.src,
      dst: e.dst,
      ref1: e.ref1.toString(),
      ref2: e.ref2.toString(),
      info: e.workloadsDiffInfo ?? '',
    };
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Formats a diff like netpol-analyzer (`txt`: empty output when there is no difference).
 * The whole text at once: for large diffs use {@link formatDiffChunks}.
 *
 * @public
 */
export function formatDiff(
  entries: Iterable<DiffEntry>,
  format: DiffFormat,
): string {
  return [...formatDiffChunks(entries, format)].join('');
}

/**
 * Formats a diff like {@link formatDiff}, in pieces (a line or an entry each)
 * whose concatenation is its text, read from `entries` as they are written.
 *
 * @public
 */
export function* formatDiffChunks(
  entries: Iterable<DiffEntry>,
  format: DiffFormat,
): Generator<string, void, undefined> {
  if (!DIFF_FORMATS.includes(format))
    throw new Error(`unknown format ${String(format)}`);
  if (format === 'json') {
    yield* jsonArrayChunks(
      (function* objects() {
        for (const r of rowsOf(entries))
          yield {
            'diff-type': r.type,
            source: r.src,
            destination: r.dst,
            ref1: r.ref1,
            ref2: r.ref2,
            ...(r.info ? { 'workloads-diff-info': r.info } : {}),
          };
      })(),
    );
    return;
  }
  let header = true;
  for (const r of rowsOf(entries)) {
    // txt, csv and md print nothing at all, not even a header, for no difference
    if (header) {
      header = false;
      if (format === 'txt') yield 'Connectivity diff:\n';
      else if (format === 'csv')
        yield 'diff-type,source,destination,ref1,ref2,workloads-diff-info\n';
      else
        yield '| diff-type | source | destination | ref1 | ref2 | workloads-diff-info |\n|-----------|--------|-------------|------|------|---------------------|\n';
    }
    if (format === 'txt')
      yield `diff-type: ${r.type}, source: ${r.src}, destination: ${
        r.dst
      }, ref1: ${r.ref1}, ref2: ${r.ref2}${
        r.info ? `, workloads-diff-info: ${r.info}` : ''
      }\n`;
    else if (format === 'csv')
      yield `${[r.type, r.src, r.dst, r.ref1, r.ref2, r.info]
        .map(csvCell)
        .join(',')}\n`;
    else
      yield `| ${r.type} | ${r.src} | ${r.dst} | ${r.ref1} | ${r.ref2} | ${r.info} |\n`;
  }
}
