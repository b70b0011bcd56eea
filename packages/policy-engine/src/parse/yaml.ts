import { Composer, Document, LineCounter, Parser } from 'yaml';
import type { Diagnostic } from '../model/inventory';
import { hasTemplate, hasTemplateText } from './template';
import { hasLoneCarriageReturn, parseYamlFast } from './yaml-fast';

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
 * `template`. A document whose aliases expand to more than 1,000 nodes is
 * refused with code `yaml` (alias bombs). A text that is one JSON object or
 * array is read with `JSON.parse`, and plain YAML with `js-yaml`: the same
 * documents, values and positions as the `yaml` package gives, which reads
 * every other text and words every error.
 *
 * @public
 */
export function parseYamlText(text: string, file?: string): ParsedText {
  const json = parseJsonText(text, file);
  if (json) return json;
  return parseYamlFast(text, file) ?? parseWithYamlPackage(text, file);
}

/**
 * The authoritative path of {@link parseYamlText}: the `yaml` package, for
 * every text the JSON and js-yaml fast paths leave to it (and, in tests, to
 * check that they give what it gives).
 */
export function parseWithYamlPackage(text: string, file?: string): ParsedText {
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

/**
 * How many nodes the aliases of one document may expand to (the `yaml`
 * package's `maxAliasCount`): a "billion laughs" document is refused with a
 * `yaml` diagnostic instead of filling the memory.
 */
export const MAX_ALIAS_COUNT = 1000;

const TEMPLATE_DIAGNOSTIC =
  'unrendered {{ }} template: the document is not a final manifest';

/**
 * The fast path for a text that is one JSON object or array (`kubectl get -o
 * json`, generated manifests): `JSON.parse` gives the same value as the YAML
 * parser at a fraction of the cost, since YAML 1.2 reads JSON as JSON. The
 * position is the one the YAML parser reports: column 1 of the line where the
 * value starts. Anything else (YAML, several documents, invalid JSON, a lone
 * carriage return, which YAML does not treat as a line break) returns
 * undefined and goes through the YAML parser, which also words the errors.
 */
function parseJsonText(
  text: string,
  file: string | undefined,
): ParsedText | undefined {
  let i = 0;
  let line = 1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    else if (c === 0x0d) {
      if (text.charCodeAt(i + 1) !== 0x0a) return undefined;
    } else if (c !== 0x20 && c !== 0x09) break;
  }
  const first = text.charCodeAt(i);
  if (first !== 0x7b /* { */ && first !== 0x5b /* [ */) return undefined;
  if (hasLoneCarriageReturn(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const pos = { file, index: 0, line, column: 1 };
  // JSON has no comments, so the YAML path's template test is the text's.
  if (hasTemplateText(text) || hasTemplate(value)) {
    return {
      documents: [],
      diagnostics: [
        {
          severity: 'error',
          code: 'template',
          message: TEMPLATE_DIAGNOSTIC,
          file,
          line: pos.line,
          column: pos.column,
          document: 0,
        },
      ],
    };
  }
  return { documents: [{ ...pos, value }], diagnostics: [] };
}

/**
 * The YAML path. Documents are composed one at a time (`Parser` and `Composer`,
 * what `parseAllDocuments` runs, without collecting them all first) and each
 * is turned into plain values before the next: only one document's syntax
 * tree is alive at a time, which keeps the garbage collector's work small.
 */
function parseOnce(text: string, file?: string): ParsedText {
  const lineCounter = new LineCounter();
  const documents: SourceDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  // Only a text holding `{{` can hold a template; a value can hold `{{` that
  // the text does not only through a double-quoted escape (`\x7b`, `\u007b`,
  // an escaped line break), which needs a backslash.
  const mayHaveTemplate = text.includes('{{');
  const valuesMayHaveTemplate = mayHaveTemplate || text.includes('\\');
  const addDocument = (doc: Document.Parsed, index: number) => {
    const start = doc.range?.[0] ?? 0;
    const pos = lineCounter.linePos(start);
    const templated =
      mayHaveTemplate &&
      hasTemplateText(
        stripComments(text.slice(start, doc.range?.[2] ?? text.length)),
      );
    if (doc.errors.length) {
      const err = doc.errors[0];
      // where the error is (the document's start when it has no position)
      const p = err.pos ? lineCounter.linePos(err.pos[0]) : pos;
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
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
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
    if (templated || (valuesMayHaveTemplate && hasTemplate(value))) {
      diagnostics.push({
        severity: 'error',
        code: 'template',
        message: TEMPLATE_DIAGNOSTIC,
        file,
        line: pos.line,
        column: pos.col,
        document: index,
      });
      return;
    }
    documents.push({ file, index, line: pos.line, column: pos.col, value });
  };
  let index = 0;
  try {
    const composer = new Composer({ uniqueKeys: false });
    const parser = new Parser(lineCounter.addNewLine);
    for (const doc of composer.compose(parser.parse(text)))
      addDocument(doc, index++);
  } catch (e) {
    diagnostics.push({
      severity: 'error',
      code: 'yaml',
      message: `YAML: ${(e as Error).message}`,
      file,
    });
  }
  return { documents, diagnostics };
}
