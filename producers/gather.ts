import type { BlockBuffers, BlockColumnLayout } from '../src/block-buffers.js';
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
 * Copies the rows `indices` of every column into one block (one array per column), in the
 * order given: recycled arrays from `buffers` when given, else fresh ones. This is the gather
 * a batcher's task runs on the main thread when the producer has no workers.
 *
 * @example
 * ```ts
 * const block = gatherRows(set.readers, [4, 0, 2]); // rows 4, 0 and 2 of each column
 * block.release?.(); // when done with it
 * ```
 */
export function gatherRows(
  readers: readonly RowReader[],
  indices: ArrayLike<number>,
  buffers?: BlockBuffers,
): RowBlock {
  const n = indices.length;
  const block: RowBlock = buffers?.acquire(n) ?? {
    length: n,
    columns: readers.map((r) => blockArray(r.dtype, n * r.rowSize)),
  };
  readers.forEach((r, c) => {
    const size = r.rowSize;
    const out = block.columns[c]!;
    for (let j = 0; j < n; j++) r.copyRow(indices[j]!, out, j * size);
  });
  return block;
}

/**
 * The block layout of numeric columns, or `undefined` when a column holds strings (string
 * arrays are not worth recycling).
 *
 * @example
 * ```ts
 * const buffers = new BlockBuffers(numericLayout(set.readers)!, false);
 * ```
 */
export function numericLayout(readers: readonly RowReader[]): BlockColumnLayout[] | undefined {
  if (readers.some((r) => r.dtype === 'string')) return undefined;
  return readers.map((r) => ({
    rowSize: r.rowSize,
    dtype: r.dtype === 'int32' ? 'int32' : 'float32',
  }));
}
