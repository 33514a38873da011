import type { Component, TypedArray } from './element.js';
import {
  describeComponent,
  isPlainObject,
  isTensor,
  typedArrayDType,
  type DType,
} from './element-spec.js';
import { copyRows, storedType, type StoredRows } from './copy-rows.js';
import { InvalidArgumentError } from './errors.js';
import { formatShape } from './row-shape.js';
import { tf } from './tf.js';
import { describeValue } from './validate.js';

/**
 * Options of {@link RowReader}.
 *
 * @example
 * ```ts
 * new RowReader([], 'elements', { allowEmpty: true }).length; // 0
 * ```
 */
export interface RowReaderOptions {
  /** Accept a first dimension of 0 (an `enqueueMany` of nothing). Default false. */
  readonly allowEmpty?: boolean | undefined;
}

const EXPECTED =
  'a tf.Tensor, a typed array, { data, shape } or an array of numbers, strings or nested number arrays';

/**
 * Reads examples out of array-like data whose first dimension is the example axis: a
 * `tf.Tensor` (read once with `dataSync()`, never disposed here), `{ data, shape }`, a typed
 * array (one scalar per example), or a plain array of numbers, of strings, or of nested
 * number arrays (flattened once into a `Float32Array`).
 *
 * `row(i)` gives a number or string when rows are scalars, else a typed-array view of the row
 * (no copy: changes to the source show through). Rows of a string tensor of rank >= 2 are
 * new string tensors (strings have no typed array), owned by whoever takes them.
 *
 * @example
 * ```ts
 * const r = new RowReader({ data: new Float32Array(6), shape: [3, 2] }, 'images');
 * r.length; // 3
 * r.rowShape; // [2]
 * r.row(1); // Float32Array(2), a view of data[2..4]
 * ```
 */
export class RowReader {
  /** Number of examples (the first dimension). */
  readonly length: number;
  /** The shape of one row: the column's shape without the first dimension. */
  readonly rowShape: readonly number[];
  /** The dtype rows batch to: `int32` for integer data, `string` for strings, else `float32`. */
  readonly dtype: DType;
  /** Values per row (1 for scalar rows). */
  readonly rowSize: number;
  /** All values, row-major. */
  readonly data: TypedArray | readonly number[] | readonly string[];
  /** How `row` builds a row: a scalar, a typed-array view, or a string tensor. */
  readonly #mode: 'scalar' | 'view' | 'strings';
  /** `data` when it is a typed array, for the bulk copy of `gatherInto`. */
  readonly #stored: StoredRows | undefined;

  /**
   * @param value the column.
   * @param argName its name in error messages, e.g. `tensorList[0]`.
   * @param options see {@link RowReaderOptions}.
   */
  constructor(value: unknown, argName: string, options: RowReaderOptions = {}) {
    const { data, shape, dtype } = readColumn(value, argName);
    if (shape.length === 0) {
      throw new InvalidArgumentError(
        `Expected \`${argName}\` to have at least one dimension (the example axis), got ${describeColumn(value, shape)}`,
      );
    }
    if (shape[0] === 0 && options.allowEmpty !== true) {
      throw new InvalidArgumentError(
        `Expected \`${argName}\` to hold at least one example (a first dimension >= 1), got ${describeColumn(value, shape)}`,
      );
    }
    this.data = data;
    this.dtype = dtype;
    this.length = shape[0]!;
    this.rowShape = Object.freeze(shape.slice(1));
    let size = 1;
    for (const d of this.rowShape) size *= d;
    this.rowSize = size;
    this.#mode = this.rowShape.length === 0 ? 'scalar' : dtype === 'string' ? 'strings' : 'view';
    this.#stored = storedType(data) === undefined ? undefined : (data as StoredRows);
  }

  /**
   * Row `i`: a number or string for scalar rows, else a typed-array view of the row.
   *
   * @example
   * ```ts
   * new RowReader([[1, 2], [3, 4]], 'x').row(1); // Float32Array [3, 4]
   * ```
   */
  row(i: number): Component {
    if (!(i >= 0 && i < this.length)) {
      throw new InvalidArgumentError(
        `Expected a row index in [0, ${this.length}), got ${describeValue(i)}`,
      );
    }
    if (this.#mode === 'scalar') return this.data[i]!;
    const from = i * this.rowSize;
    if (this.#mode === 'view') return (this.data as TypedArray).subarray(from, from + this.rowSize);
    return tf.tensor(
      (this.data as readonly string[]).slice(from, from + this.rowSize),
      this.rowShape as number[],
      'string',
    );
  }

  /**
   * Copies row `i` into `target` at `offset` (`rowSize` values), without making a view.
   *
   * @example
   * ```ts
   * const batch = new Float32Array(2 * r.rowSize);
   * r.copyRow(5, batch, r.rowSize); // the second slot of the batch
   * ```
   */
  copyRow(i: number, target: TypedArray | string[], offset: number): void {
    const size = this.rowSize;
    const data = this.data;
    if (size === 1) {
      (target as unknown[])[offset] = data[i];
    } else if (Array.isArray(target) || Array.isArray(data)) {
      const from = i * size;
      for (let k = 0; k < size; k++) (target as unknown[])[offset + k] = data[from + k];
    } else {
      const from = i * size;
      target.set((data as TypedArray).subarray(from, from + size), offset);
    }
  }
  /**
   * Copies rows `indices` into `target` one after another (`indices.length * rowSize` values,
   * no bounds check): a typed column in one bulk pass per row (`set` of a subarray), other
   * data row by row as `copyRow` does.
   *
   * @example
   * ```ts
   * const batch = new Float32Array(3 * r.rowSize);
   * r.gatherInto([4, 0, 2], batch); // rows 4, 0 and 2
   * ```
   */
  gatherInto(indices: ArrayLike<number>, target: TypedArray | string[]): void {
    const stored = this.#stored;
    if (stored !== undefined && !Array.isArray(target)) {
      copyRows(stored, this.rowSize, indices, 0, indices.length, target);
      return;
    }
    for (let j = 0; j < indices.length; j++) this.copyRow(indices[j]!, target, j * this.rowSize);
  }
}

/** Describes a column for messages; `{ data, shape }` shows its data and shape. */
function describeColumn(value: unknown, shape: readonly number[]): string {
  if (isPlainObject(value))
    return `\`{ data: ${describeValue(value.data).slice(1, -1)}, shape: ${formatShape(shape)} }\``;
  return describeComponent(value);
}

interface ColumnData {
  readonly data: TypedArray | readonly number[] | readonly string[];
  readonly shape: readonly number[];
  readonly dtype: DType;
}

function readColumn(value: unknown, argName: string): ColumnData {
  if (isTensor(value)) {
    const dtype = value.dtype;
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'string') {
      throw new InvalidArgumentError(
        `Expected \`${argName}\` to be a float32, int32 or string tensor, got ${describeComponent(value)}`,
      );
    }
    return { data: value.dataSync() as TypedArray | string[], shape: value.shape, dtype };
  }
  const typed = typedArrayDType(value);
  if (typed !== undefined) {
    const data = value as TypedArray;
    return { data, shape: [data.length], dtype: typed };
  }
  if (Array.isArray(value)) return readPlainArray(value as readonly unknown[], argName);
  if (isPlainObject(value) && 'data' in value && 'shape' in value) {
    return readDataWithShape(value.data, value.shape, argName);
  }
  throw new InvalidArgumentError(
    `Expected \`${argName}\` to be ${EXPECTED}, got ${describeValue(value)}`,
  );
}

function readDataWithShape(data: unknown, shape: unknown, argName: string): ColumnData {
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)
  ) {
    throw new InvalidArgumentError(
      `Expected \`${argName}.shape\` to be an array of non-negative integers, got ${describeValue(shape)}`,
    );
  }
  const dims = shape as number[];
  let dtype: DType | undefined = typedArrayDType(data);
  if (dtype === undefined && Array.isArray(data) && data.every((s) => typeof s === 'string')) {
    dtype = 'string';
  }
  if (dtype === undefined) {
    throw new InvalidArgumentError(
      `Expected \`${argName}.data\` to be a typed array or an array of strings, got ${describeValue(data)}`,
    );
  }
  const values = data as TypedArray | readonly string[];
  const size = dims.reduce((a, d) => a * d, 1);
  if (values.length !== size) {
    throw new InvalidArgumentError(
      `Expected \`${argName}.data\` to hold ${size} value${size === 1 ? '' : 's'} (shape ${formatShape(dims)}), ` +
        `got ${describeValue(values)}`,
    );
  }
  return { data: values, shape: dims, dtype };
}

function readPlainArray(value: readonly unknown[], argName: string): ColumnData {
  if (value.length === 0) return { data: value as number[], shape: [0], dtype: 'float32' };
  const first = value[0];
  if (typeof first === 'number' || typeof first === 'string') {
    const kind = typeof first;
    for (let i = 1; i < value.length; i++) {
      if (typeof value[i] !== kind) {
        throw new InvalidArgumentError(
          `Expected \`${argName}[${i}]\` to be a ${kind} like \`${argName}[0]\`, got ${describeValue(value[i])}`,
        );
      }
    }
    return kind === 'number'
      ? { data: value as readonly number[], shape: [value.length], dtype: 'float32' }
      : { data: value as readonly string[], shape: [value.length], dtype: 'string' };
  }
  if (Array.isArray(first)) return flattenNested(value, argName);
  throw new InvalidArgumentError(
    `Expected \`${argName}[0]\` to be a number, a string or an array of numbers, got ${describeValue(first)}`,
  );
}

/** Flattens a rectangular nested number array into a `Float32Array`, checking every level. */
function flattenNested(value: readonly unknown[], argName: string): ColumnData {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = (probe as readonly unknown[])[0];
  }
  const size = shape.reduce((a, d) => a * d, 1);
  const out = new Float32Array(size);
  const path: number[] = [];
  const name = (p: readonly number[]): string => `${argName}${p.map((k) => `[${k}]`).join('')}`;
  let pos = 0;
  const fill = (arr: readonly unknown[], depth: number): void => {
    const leaf = depth === shape.length - 1;
    for (let k = 0; k < arr.length; k++) {
      const v = arr[k];
      path[depth] = k;
      if (leaf) {
        if (typeof v !== 'number') {
          throw new InvalidArgumentError(
            `Expected \`${name(path)}\` to be a number, got ${describeValue(v)}`,
          );
        }
        out[pos++] = v;
        continue;
      }
      const want = shape[depth + 1]!;
      if (!Array.isArray(v)) {
        throw new InvalidArgumentError(
          `Expected \`${name(path)}\` to be an array of length ${want}, got ${describeValue(v)}`,
        );
      }
      if (v.length !== want) {
        const like = new Array<number>(depth + 1).fill(0);
        throw new InvalidArgumentError(
          `Expected \`${argName}\` to be a rectangular nested array: \`${name(path)}\` has ` +
            `length ${v.length}, expected ${want} (the length of \`${name(like)}\`)`,
        );
      }
      fill(v as readonly unknown[], depth + 1);
    }
    path.length = depth;
  };
  fill(value, 0);
  return { data: out, shape, dtype: 'float32' };
}
