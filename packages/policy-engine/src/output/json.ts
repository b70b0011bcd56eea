/** JSON arrays written element by element. */

/** `JSON.stringify` replacer that writes bigints (IP addresses) as decimal strings. */
export function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * `JSON.stringify([item], replacer, 2)`. A replacer function turns V8's fast
 * serializer off (about a third of the time of `list -o json`), and the usual
 * one, {@link bigintAsString}, only matters when a bigint is there: that is
 * when the plain call throws, so the plain call comes first.
 */
function stringifyOne(
  item: unknown,
  replacer?: (key: string, value: unknown) => unknown,
): string {
  if (replacer === bigintAsString) {
    try {
      return JSON.stringify([item], null, 2);
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
    }
  }
  return JSON.stringify([item], replacer, 2);
}

/**
 * Yields, one element at a time, the text of
 * `JSON.stringify([...items], replacer, 2) + '\n'`: no string holds more than
 * one element. Same bytes as the one-call form for plain data (objects whose
 * `toJSON` or replacer result does not depend on the key or array they sit
 * under: each element is stringified inside its own one-element array).
 */
export function* jsonArrayChunks<T>(
  items: Iterable<T>,
  replacer?: (key: string, value: unknown) => unknown,
): Generator<string, void, undefined> {
  let first = true;
  for (const item of items) {
    // One-element array: JSON.stringify indents the element as inside the
    // whole list (and writes `null` for what it cannot represent), faster than
    // re-indenting its text. Cut "[\n" and "\n]" off.
    const text = stringifyOne(item, replacer);
    yield `${first ? '[\n' : ',\n'}${text.slice(2, -2)}`;
    first = false;
  }
  yield first ? '[]\n' : '\n]\n';
}
