/** JSON arrays written element by element. */

/** `JSON.stringify` replacer that writes bigints (IP addresses) as decimal strings. */
export function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
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
    const text = JSON.stringify([item], replacer, 2);
    yield `${first ? '[\n' : ',\n'}${text.slice(2, -2)}`;
    first = false;
  }
  yield first ? '[]\n' : '\n]\n';
}
