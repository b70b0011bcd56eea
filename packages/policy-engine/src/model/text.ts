/**
 * Untrusted text on its way into YAML, Markdown and commit messages.
 *
 * A "control character" here is every code point that some reader of those
 * files treats as a line break or as invisible control: C0 (U+0000–U+001F,
 * which includes TAB, LF, VT, FF and CR), DEL (U+007F), C1 (U+0080–U+009F,
 * which includes NEL U+0085, a line break for YAML 1.1 readers such as
 * go-yaml) and the Unicode LINE SEPARATOR and PARAGRAPH SEPARATOR (U+2028,
 * U+2029). Every helper is a plain loop over the text: no regular expression,
 * so nothing backtracks.
 */

/**
 * Is this code point a control character or a line terminator (see the module comment)?
 *
 * @public
 */
export function isControlCharacter(codePoint: number): boolean {
  return (
    codePoint <= 0x1f ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0x2028 ||
    codePoint === 0x2029
  );
}

/** Space characters that are not control characters (folded into one space by {@link singleLine}). */
function isSpace(codePoint: number): boolean {
  return (
    codePoint === 0x20 ||
    codePoint === 0xa0 ||
    codePoint === 0x1680 ||
    (codePoint >= 0x2000 && codePoint <= 0x200a) ||
    codePoint === 0x202f ||
    codePoint === 0x205f ||
    codePoint === 0x3000 ||
    codePoint === 0xfeff
  );
}

/**
 * Where the first control character of a text is.
 * @public
 */
export interface ControlCharacterFound {
  /** The code point, e.g. 0x85. */
  codePoint: number;
  /** `U+0085`. */
  name: string;
  /** 1-based position in characters (code points). */
  position: number;
}

/**
 * `U+0085`
 *
 * @public
 */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The first control character or line terminator in `text`, or undefined.
 * With `allowNewLines`, LF, CR directly followed by LF, and TAB are allowed
 * (multi-line free text such as a justification typed in a text area).
 * @public
 */
export function findControlCharacter(
  text: string,
  options: { allowNewLines?: boolean } = {},
): ControlCharacterFound | undefined {
  let position = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    position++;
    if (cp > 0xffff) {
      i++;
      continue;
    }
    if (!isControlCharacter(cp)) continue;
    if (options.allowNewLines) {
      if (cp === 0x0a || cp === 0x09) continue;
      if (cp === 0x0d && text.charCodeAt(i + 1) === 0x0a) continue;
    }
    return { codePoint: cp, name: codePointName(cp), position };
  }
  return undefined;
}

/**
 * The refusal message for text with a control character, without the field
 * name, e.g. "must not contain control characters or line breaks (found
 * U+0085 at position 12)". Undefined when the text is clean.
 * @public
 */
export function controlCharacterProblem(
  text: string,
  options: { allowNewLines?: boolean } = {},
): string | undefined {
  const found = findControlCharacter(text, options);
  if (!found) return undefined;
  return `must not contain control characters or ${
    options.allowNewLines ? 'line breaks other than new lines' : 'line breaks'
  } (found ${found.name} at position ${found.position})`;
}

/**
 * The one-line form of untrusted text for a YAML comment, an annotation, a
 * commit-message line or a Markdown table cell: every control character,
 * line terminator and run of spaces becomes one space, the ends are trimmed,
 * and text longer than `max` characters is cut with `…`.
 * @public
 */
export function singleLine(text: string, max = Infinity): string {
  let out = '';
  let pendingSpace = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isControlCharacter(code) || isSpace(code)) {
      pendingSpace = out.length > 0;
      continue;
    }
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    out += text[i];
  }
  if (out.length <= max) return out;
  let cut = Math.max(0, max - 1);
  // Do not split a surrogate pair.
  const last = out.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${out.slice(0, cut).trimEnd()}…`;
}

/**
 * Multi-line untrusted text with only LF line breaks: CRLF and every other
 * line terminator (CR, NEL, LS, PS, VT, FF) become LF, TAB stays, any other
 * control character becomes a space.
 * @public
 */
export function plainLines(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0d && text.charCodeAt(i + 1) === 0x0a) continue;
    if (
      code === 0x0a ||
      code === 0x0d ||
      code === 0x0b ||
      code === 0x0c ||
      code === 0x85 ||
      code === 0x2028 ||
      code === 0x2029
    )
      out += '\n';
    else if (code === 0x09) out += '\t';
    else if (isControlCharacter(code)) out += ' ';
    else out += text[i];
  }
  return out;
}
