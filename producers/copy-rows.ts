/** A typed array a column may be stored in (what the gather workers read). */
export type StoredRows =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray;

/**
 * Copies `rows` rows of `rowSize` values from `src` into `dst`, one after another: row `j`
 * of `dst` is row `indices[from + j]` of `src`. The gather both kinds of worker run.
 *
 * @example
 * ```ts
 * copyRows(pixels, 784, Int32Array.from([5, 2]), 0, 2, batch); // rows 5 and 2
 * ```
 */
export function copyRows(
  src: StoredRows,
  rowSize: number,
  indices: Int32Array,
  from: number,
  rows: number,
  dst: Float32Array | Int32Array,
): void {
  if (rowSize === 1) {
    for (let j = 0; j < rows; j++) dst[j] = src[indices[from + j]!]!;
    return;
  }
  for (let j = 0; j < rows; j++) {
    const at = indices[from + j]! * rowSize;
    dst.set(src.subarray(at, at + rowSize), j * rowSize);
  }
}
