/**
 * The typed arrays a column may be stored in, by constructor name: columns cross threads as
 * a shared buffer plus this name, and every worker builds its view from this one table.
 */
export const STORED_ARRAYS = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
} as const;

/** The name of a {@link STORED_ARRAYS} constructor. */
export type StoredArrayType = keyof typeof STORED_ARRAYS;

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
 * The stored-array type of `data`, or `undefined` for anything else.
 *
 * @example
 * ```ts
 * storedType(new Uint8Array(4)); // 'Uint8Array'
 * ```
 */
export function storedType(data: unknown): StoredArrayType | undefined {
  if (!ArrayBuffer.isView(data)) return undefined;
  const name = data.constructor.name;
  return Object.hasOwn(STORED_ARRAYS, name) ? (name as StoredArrayType) : undefined;
}

/**
 * A view of `length` values of type `type` over a shared buffer (a worker's view of a column).
 *
 * @example
 * ```ts
 * const pixels = storedView('Float32Array', buffer, 0, 60000 * 784);
 * ```
 */
export function storedView(
  type: StoredArrayType,
  buffer: SharedArrayBuffer,
  byteOffset: number,
  length: number,
): StoredRows {
  return new STORED_ARRAYS[type](buffer as unknown as ArrayBuffer, byteOffset, length);
}

/**
 * Copies `rows` rows of `rowSize` values from `src` into `dst`, one after another: row `j`
 * of `dst` is row `indices[from + j]` of `src`. The gather every path runs: both kinds of worker, and `RowReader.gatherInto` on
 * the main thread.
 *
 * @example
 * ```ts
 * copyRows(pixels, 784, Int32Array.from([5, 2]), 0, 2, batch); // rows 5 and 2
 * ```
 */
export function copyRows(
  src: StoredRows,
  rowSize: number,
  indices: ArrayLike<number>,
  from: number,
  rows: number,
  dst: StoredRows,
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

/**
 * The array a block column of `dtype` is written into, over a shared buffer: `Int32Array` for
 * int32 columns, `Float32Array` otherwise (the batch dtypes). `length` defaults to the rest of
 * the buffer.
 *
 * @example
 * ```ts
 * const labels = blockView('int32', new SharedArrayBuffer(400)); // Int32Array(100)
 * ```
 */
export function blockView(
  dtype: string,
  buffer: SharedArrayBuffer,
  byteOffset = 0,
  length?: number,
): Float32Array | Int32Array {
  const Out = dtype === 'int32' ? Int32Array : Float32Array;
  return new Out(buffer as unknown as ArrayBuffer, byteOffset, length);
}
