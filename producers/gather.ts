import type { DType } from '../src/element-spec.js';
import type { RowBlock } from '../src/row-block.js';
import type { RowReader } from '../src/row-reader.js';

/**
 * A fresh array for `n` values of `dtype`: the batch dtype's typed array, or a string array.
 *
 * @example
 * ```ts
 * blockArray('int32', 100); // Int32Array(100)
 * ```
 */
export function blockArray(dtype: DType, n: number): Float32Array | Int32Array | string[] {
  if (dtype === 'string') return new Array<string>(n);
  return dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
}

/**
 * A main-thread gather over `readers`: given the rows `indices`, a block whose copy is deferred
 * to whoever reads it. `copyInto` writes the rows straight into the reader's arrays (a
 * batcher's tensors, on the wasm backend), and reading `columns` copies them into fresh arrays
 * once. Taking the indices is all a batcher's task then does up front, so each row is copied
 * once, where it is used.
 *
 * @example
 * ```ts
 * const block = deferredGather(set.readers)([4, 0, 2]);
 * const [x, y] = block.columns; // rows 4, 0 and 2 of each column, copied now
 * ```
 */
export function deferredGather(
  readers: readonly RowReader[],
): (indices: ArrayLike<number>) => RowBlock {
  const numeric = readers.every((r) => r.dtype !== 'string');
  return (indices) => {
    const copyInto = (targets: readonly (Float32Array | Int32Array | string[])[]): void => {
      readers.forEach((r, c) => r.gatherInto(indices, targets[c]!));
    };
    let columns: (Float32Array | Int32Array | string[])[] | undefined;
    return {
      length: indices.length,
      get columns() {
        if (columns === undefined) {
          columns = readers.map((r) => blockArray(r.dtype, indices.length * r.rowSize));
          copyInto(columns);
        }
        return columns;
      },
      copyInto: numeric ? copyInto : undefined,
    };
  };
}
