/** JSON arrays written element by element. */

/** `JSON.stringify` replacer that writes bigints (IP addresses) as decimal strings. */
export function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * Yields, one element at a time, the text of
 * `JSON.stringify([...items], replacer, 2) + '\n'`: no string holds more than
 * one element. Same bytes as the one-call form for plain data (objects whose
 * `toJSON` or replacer result does not depend on the key they sit under).
 */
export function* jsonArrayChunks<T>(
  items: Iterable<T>,
  replacer?: (key: string, value: unknown) => unknown,
): Generator<string, void, undefined> {
  let first = true;
  for (const item of items) {
    // JSON.stringify writes `null` for an array element it cannot represent.
    const text = JSON.stringify(item, replacer, 2) ?? 'null';
    // String values never hold a raw line break (JSON escapes it), so every
    // '\n' is between tokens: indent the element one level, as inside an array.
    yield `${first ? '[\n  ' : ',\n  '}${text.replace(/\n/g, '\n  ')}`;
    first = false;
  }
  yield first ? '[]\n' : '\n]\n';
}
