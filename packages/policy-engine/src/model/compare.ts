/** Three-way comparison for sorting strings, numbers and bigints. */
export function cmp<T extends string | number | bigint>(a: T, b: T): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
