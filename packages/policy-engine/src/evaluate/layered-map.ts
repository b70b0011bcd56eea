const DELETED = Symbol('deleted');

type Layer<K, V> = ReadonlyMap<K, V | typeof DELETED>;

/**
 * An immutable map that derived engines share: {@link LayeredMap.with}
 * returns a new map made of a small layer of changes over this one, so a
 * change costs its own size, not the size of the map. Lookups walk the
 * layers (newest first); after a few layers the map is flattened into one
 * again.
 */
export class LayeredMap<K, V> {
  private constructor(private readonly layers: ReadonlyArray<Layer<K, V>>) {}

  /** A map holding `entries` (the map is taken over, not copied). */
  static of<K, V>(entries: Map<K, V>): LayeredMap<K, V> {
    return new LayeredMap<K, V>([entries]);
  }

  get(key: K): V | undefined {
    for (const layer of this.layers) {
      const v = layer.get(key);
      if (v !== undefined) return v === DELETED ? undefined : v;
    }
    return undefined;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** A map with `set` set and `remove` removed (`set` wins). */
  with(
    set: Iterable<readonly [K, V]>,
    remove: Iterable<K> = [],
  ): LayeredMap<K, V> {
    const layer = new Map<K, V | typeof DELETED>();
    for (const k of remove) layer.set(k, DELETED);
    for (const [k, v] of set) layer.set(k, v);
    const layers = [layer, ...this.layers];
    if (layers.length <= 8) return new LayeredMap(layers);
    const flat = new Map<K, V>();
    for (let i = layers.length - 1; i >= 0; i--)
      for (const [k, v] of layers[i]) {
        if (v === DELETED) flat.delete(k);
        else flat.set(k, v);
      }
    return LayeredMap.of(flat);
  }
}
