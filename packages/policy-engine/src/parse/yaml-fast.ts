/*
 * The fast path of parseYamlText: `js-yaml` reads plain Kubernetes YAML more
 * than ten times faster than the `yaml` package (40 MiB of policies: about 2 s
 * against 26 s of CPU time). `yaml` stays the authority: this path only
 * answers for texts on which both give the same documents, values and
 * positions, and returns undefined for anything else, so the caller runs the
 * `yaml` path, which also words every error. What sends a text back:
 *
 * - any error from js-yaml (duplicate keys, which `yaml` accepts, included);
 * - `{{` (templates, also written with escapes such as `\x7b`), `&`
 *   (anchors, hence aliases: js-yaml shares one object where `yaml` counts
 *   and bounds the expansion), a tab, a byte-order mark, a lone carriage
 *   return, a `%` directive;
 * - what js-yaml accepts and `yaml` refuses: a comment right after a quote or
 *   a flow collection (`"a"#c`), a quoted scalar continued on the next line
 *   (`yaml` checks the continuation's indentation), an implicit key longer
 *   than 1,024 characters;
 * - what the two turn into different keys: a flow collection or an explicit
 *   `?` key, and a null key (`yaml` makes it `""`, js-yaml `"null"`);
 * - a tag (`!!str`, `!local`), a flow collection continued on the next line,
 *   a line longer than 1,024 characters: rare, and left to `yaml`.
 *
 * Scalars resolve by our own YAML 1.2 core schema types (the `yaml` package's
 * default): no timestamps, no `<<` merge, no `1_000`, no YAML 1.1 booleans.
 * Every check is a linear scan of the text or walk of the values, with no
 * regular expression.
 */
import { FAILSAFE_SCHEMA, loadAll, Type } from 'js-yaml';
import { hasTemplate } from './template';
import type { ParsedText, SourceDocument } from './yaml';

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isOctal = (c: number) => c >= 0x30 && c <= 0x37;
const isHex = (c: number) =>
  isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** `s` from `from` on is one or more characters passing `test`. */
function allOf(s: string, from: number, test: (c: number) => boolean) {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++)
    if (!test(s.charCodeAt(i))) return false;
  return true;
}

const signed = (s: string) => s[0] === '-' || s[0] === '+';

/** YAML 1.2 core: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`. */
function isCoreInt(s: string): boolean {
  if (s.length > 2 && s[0] === '0' && s[1] === 'o') return allOf(s, 2, isOctal);
  if (s.length > 2 && s[0] === '0' && s[1] === 'x') return allOf(s, 2, isHex);
  return allOf(s, signed(s) ? 1 : 0, isDigit);
}

function coreInt(s: string): number {
  if (s[0] === '0' && s[1] === 'o') return parseInt(s.slice(2), 8);
  if (s[0] === '0' && s[1] === 'x') return parseInt(s.slice(2), 16);
  const n = parseInt(signed(s) ? s.slice(1) : s, 10);
  return s[0] === '-' ? -n : n;
}

/**
 * YAML 1.2 core floats: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
 * with a dot or an exponent (without either it is an int), and the infinities
 * and NaN spellings.
 */
function isCoreFloat(s: string): boolean {
  const special = signed(s) ? s.slice(1) : s;
  if (special === '.inf' || special === '.Inf' || special === '.INF')
    return true;
  if (s === '.nan' || s === '.NaN' || s === '.NAN') return true;
  let i = signed(s) ? 1 : 0;
  const intStart = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  const intDigits = i - intStart;
  let dot = false;
  let fracDigits = 0;
  if (s[i] === '.') {
    dot = true;
    i++;
    while (i < s.length && isDigit(s.charCodeAt(i))) {
      i++;
      fracDigits++;
    }
  }
  if (intDigits === 0 && fracDigits === 0) return false;
  if (i === s.length) return dot;
  if (s[i] !== 'e' && s[i] !== 'E') return false;
  i++;
  if (s[i] === '-' || s[i] === '+') i++;
  return allOf(s, i, isDigit);
}

function coreFloat(s: string): number {
  const special = signed(s) ? s.slice(1) : s;
  if (special.length === 4 && special[0] === '.') {
    const word = special.slice(1).toLowerCase();
    if (word === 'nan') return NaN;
    if (word === 'inf') return s[0] === '-' ? -Infinity : Infinity;
  }
  return parseFloat(s);
}

const CORE_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [
    new Type('tag:yaml.org,2002:null', {
      kind: 'scalar',
      resolve: (s: string | null) =>
        s === null ||
        s === '' ||
        s === '~' ||
        s === 'null' ||
        s === 'Null' ||
        s === 'NULL',
      construct: () => null,
    }),
    new Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (s: string | null) =>
        s === 'true' ||
        s === 'True' ||
        s === 'TRUE' ||
        s === 'false' ||
        s === 'False' ||
        s === 'FALSE',
      construct: (s: string) => s[0] === 't' || s[0] === 'T',
    }),
    new Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (s: string | null) => s !== null && isCoreInt(s),
      construct: coreInt,
    }),
    new Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (s: string | null) => s !== null && isCoreFloat(s),
      construct: coreFloat,
    }),
  ],
});

/** Longest implicit key `yaml` accepts (the YAML spec's limit). */
const MAX_IMPLICIT_KEY = 1024;

/** Is `text[from..to)` blank or a comment (`#` after optional spaces)? */
function blankOrComment(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */) return true;
    if (c !== 0x20) return false;
  }
  return true;
}

/** Does the line at `from` start with the marker `---` or `...`? */
function marker(text: string, from: number, to: number, ch: number): boolean {
  if (to - from < 3) return false;
  for (let i = from; i < from + 3; i++)
    if (text.charCodeAt(i) !== ch) return false;
  return to - from === 3 || text.charCodeAt(from + 3) === 0x20;
}

/** The previous character that is not a space on the same line, or -1. */
function previousNonSpace(text: string, i: number, lineStart: number): number {
  for (let j = i - 1; j >= lineStart; j--) {
    const c = text.charCodeAt(j);
    if (c !== 0x20) return c;
  }
  return -1;
}

/** Where a quoted scalar may start: after these or at the line's start. */
const TOKEN_START = new Set([0x3a, 0x2d, 0x5b, 0x7b, 0x2c, 0x3f, -1]); // : - [ { , ?

/**
 * Scans one line from `from` (after its indentation) to `to`: false when it
 * holds something the fast path does not answer for (see the file comment).
 */
function lineIsPlain(text: string, from: number, to: number): boolean {
  if (to - from > MAX_IMPLICIT_KEY) return false;
  let flow = 0; // open flow collections on this line
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */) {
      const p = i > from ? text.charCodeAt(i - 1) : 0x20;
      if (p === 0x20) break; // a comment
      // `a#b` is plain text; `"a"#b`, `]#`, `}#` are errors for `yaml`
      if (p === 0x22 || p === 0x27 || p === 0x5d || p === 0x7d) return false;
      continue;
    }
    if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      if (flow > 0) flow--;
      // a flow collection used as a key: `[a]: 1`, `{a: 1}: 2`
      let j = i + 1;
      while (j < to && text.charCodeAt(j) === 0x20) j++;
      if (j < to && text.charCodeAt(j) === 0x3a) return false;
      continue;
    }
    const atTokenStart =
      c === 0x22 ||
      c === 0x27 ||
      c === 0x3f ||
      c === 0x21 ||
      c === 0x5b ||
      c === 0x7b
        ? TOKEN_START.has(previousNonSpace(text, i, from))
        : false;
    if (!atTokenStart) continue;
    if (c === 0x5b /* [ */ || c === 0x7b /* { */) flow++;
    // a tag (`!!str`, `!local`); an explicit key (`? a`)
    else if (c === 0x21 /* ! */ || c === 0x3f /* ? */) return false;
    else {
      // a quoted scalar: it must close on this line
      let j = i + 1;
      for (; j < to; j++) {
        const d = text.charCodeAt(j);
        if (c === 0x22 && d === 0x5c /* \ */) j++;
        else if (d === c) {
          if (c === 0x27 && j + 1 < to && text.charCodeAt(j + 1) === 0x27) j++;
          else break;
        }
      }
      if (j >= to) return false;
      i = j;
    }
  }
  // a flow collection continued on the next line: `yaml` checks its indentation
  return flow === 0;
}

/** A carriage return not followed by a line feed (`yaml` does not break lines there). */
export function hasLoneCarriageReturn(text: string): boolean {
  for (let r = text.indexOf('\r'); r >= 0; r = text.indexOf('\r', r + 1))
    if (r + 1 >= text.length || text.charCodeAt(r + 1) !== 0x0a) return true;
  return false;
}

/**
 * Where each document of `text` starts, as the `yaml` package reports it:
 * the line of its `---`, or else of its first line that is neither blank nor
 * a comment; column 1. Undefined when the text holds anything the fast path
 * leaves to `yaml`.
 */
function documentStarts(text: string): number[] | undefined {
  if (
    text.startsWith('\uFEFF') ||
    text.includes('\t') ||
    text.includes('&') ||
    text.includes('{{') ||
    hasLoneCarriageReturn(text)
  )
    return undefined;
  const starts: number[] = [];
  let open = false;
  let line = 1;
  for (let start = 0; start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let to = end;
    if (end < text.length && to > start && text.charCodeAt(to - 1) === 0x0d)
      to--; // CRLF
    if (marker(text, start, to, 0x2d /* - */)) {
      starts.push(line);
      open = true;
      if (!lineIsPlain(text, start + 3, to)) return undefined;
    } else if (marker(text, start, to, 0x2e /* . */)) {
      open = false;
    } else {
      if (start < to && text.charCodeAt(start) === 0x25 /* % */)
        return undefined;
      let from = start;
      while (from < to && text.charCodeAt(from) === 0x20) from++;
      if (!blankOrComment(text, from, to)) {
        if (!open) {
          starts.push(line);
          open = true;
        }
        if (!lineIsPlain(text, from, to)) return undefined;
      }
    }
    start = end + 1;
  }
  return starts;
}

/** Does any mapping key in `v` come from a null (`~`, `null`, empty)? */
function hasNullKey(v: unknown, depth = 0): boolean {
  if (!v || typeof v !== 'object') return false;
  if (depth > 200) return true; // too deep to check: let `yaml` read it
  if (Array.isArray(v)) {
    for (const x of v) if (hasNullKey(x, depth + 1)) return true;
    return false;
  }
  for (const k in v) {
    if (
      k === '' ||
      k === 'null' ||
      k === 'Null' ||
      k === 'NULL' ||
      k === '~' ||
      hasNullKey((v as Record<string, unknown>)[k], depth + 1)
    )
      return true;
  }
  return false;
}

/**
 * The documents of `text` (neither JSON nor templated), read with js-yaml,
 * or undefined when the `yaml` package must read it. Empty documents are
 * counted in `index` and not returned, as on the `yaml` path.
 */
export function parseYamlFast(
  text: string,
  file: string | undefined,
): ParsedText | undefined {
  const starts = documentStarts(text);
  if (!starts) return undefined;
  let values: unknown[];
  try {
    values = loadAll(text, null, { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
  if (values.length !== starts.length) return undefined;
  const documents: SourceDocument[] = [];
  // a value can hold `{{` the text does not only through a double-quoted
  // escape (`\x7b`), which needs a backslash: `yaml` words that diagnostic
  const escapes = text.includes('\\');
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value === null || value === undefined) continue;
    if (hasNullKey(value) || (escapes && hasTemplate(value))) return undefined;
    documents.push({ file, index, line: starts[index], column: 1, value });
  }
  return { documents, diagnostics: [] };
}
