import { LineCounter, parseAllDocuments } from 'yaml';
import type { Diagnostic } from '../model/inventory';

/**
 * One YAML document with its position.
 *
 * @public
 */
export interface SourceDocument {
  file?: string;
  /** 0-based index in the file. */
  index: number;
  line: number;
  column: number;
  value: unknown;
}

/**
 * Result of parsing a text.
 *
 * @public
 */
export interface ParsedText {
  documents: SourceDocument[];
  diagnostics: Diagnostic[];
}

/** Does the text hold `{{ … }}`? Two scans, not a lazy regex that rescans from every `{{`. */
function hasTemplateText(s: string): boolean {
  const open = s.indexOf('{{');
  return open >= 0 && s.indexOf('}}', open + 2) >= 0;
}

function hasTemplate(v: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof v === 'string') return hasTemplateText(v);
  if (Array.isArray(v)) return v.some(x => hasTemplate(x, depth + 1));
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v))
      if (hasTemplateText(k) || hasTemplate(x, depth + 1)) return true;
  }
  return false;
}

function stripComments(src: string): string {
  return src
    .split('\n')
    .filter(l => !/^\s*#/.test(l))
    .join('\n');
}

/**
 * Parses multi-document YAML (or JSON) text. Broken documents become
 * diagnostics with file, line and column; the others are returned. Documents
 * that still contain unrendered `{{ }}` templates are refused with code
 * `template`.
 *
 * @public
 */
export function parseYamlText(text: string, file?: string): ParsedText {
  const first = parseOnce(text, file);
  if (!first.diagnostics.some(d => d.code === 'yaml') || !/^ *\t/m.test(text))
    return first;
  // Go's YAML decoder (kubectl) tolerates tabs inside flow collections that the
  // strict YAML 1.2 parser rejects; retry with leading tabs expanded.
  const retry = parseOnce(
    text.replace(
      /^( *)(\t+)/gm,
      (_m, sp: string, tabs: string) => sp + ' '.repeat(tabs.length * 8),
    ),
    file,
  );
  if (
    retry.diagnostics.filter(d => d.code === 'yaml').length >=
    first.diagnostics.filter(d => d.code === 'yaml').length
  ) {
    return first;
  }
  retry.diagnostics.push({
    severity: 'warning',
    code: 'yaml',
    message:
      'tab characters used for indentation were expanded to spaces (accepted by kubectl, not by strict YAML)',
    file,
  });
  return retry;
}

function parseOnce(text: string, file?: string): ParsedText {
  const lineCounter = new LineCounter();
  const documents: SourceDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: false,
    });
  } catch (e) {
    diagnostics.push({
      severity: 'error',
      code: 'yaml',
      message: `YAML: ${(e as Error).message}`,
      file,
    });
    return { documents, diagnostics };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    const start = doc.range?.[0] ?? 0;
    const pos = lineCounter.linePos(start);
    const srcText = text.slice(start, doc.range?.[2] ?? text.length);
    const templated = hasTemplateText(stripComments(srcText));
    if (doc.errors.length) {
      const err = doc.errors[0];
      const p = err.linePos?.[0] ?? pos;
      diagnostics.push({
        severity: 'error',
        code: templated ? 'template' : 'yaml',
        message: templated
          ? `unrendered {{ }} template: the document is not a final manifest (${
              err.message.split('\n')[0]
            })`
          : `YAML syntax error: ${err.message.split('\n')[0]}`,
        file,
        line: p.line,
        column: p.col,
        document: index,
      });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      diagnostics.push({
        severity: 'error',
        code: 'yaml',
        message: `YAML: ${(e as Error).message}`,
        file,
        line: pos.line,
        column: pos.col,
        document: index,
      });
      return;
    }
    if (value === null || value === undefined) return; // empty document
    if (templated || hasTemplate(value)) {
      diagnostics.push({
        severity: 'error',
        code: 'template',
        message:
          'unrendered {{ }} template: the document is not a final manifest',
        file,
        line: pos.line,
        column: pos.col,
        document: index,
      });
      return;
    }
    documents.push({ file, index, line: pos.line, column: pos.col, value });
  });
  return { documents, diagnostics };
}
