import type { Tensor } from '@tensorflow/tfjs';
import type { Component, Element, TypedArray } from '../src/element.js';
import {
  isPlainObject,
  type ComponentSpec,
  type ElementSpec,
  type ElementStructure,
} from '../src/element-spec.js';
import { InvalidArgumentError } from '../src/errors.js';
import { RowReader } from '../src/row-reader.js';
import { describeValue } from '../src/validate.js';

/**
 * Plain nested number arrays, rectangular, to any depth (`[[1, 2], [3, 4]]`).
 *
 * @example
 * ```ts
 * const images: NestedNumbers = [[[0, 1], [1, 0]], [[1, 1], [0, 0]]]; // [2, 2, 2]
 * ```
 */
export type NestedNumbers = readonly number[] | readonly NestedNumbers[];

/**
 * An input column for producers; its first dimension is the example axis: a `tf.Tensor`
 * (float32, int32 or string; the caller keeps ownership), a typed array with a shape, a typed
 * array (one scalar per example), or a plain array of numbers, strings or nested numbers.
 *
 * @example
 * ```ts
 * const images: Column = { data: new Float32Array(60000 * 784), shape: [60000, 784] };
 * const labels: Column = new Uint8Array(60000);
 * ```
 */
export type Column =
  | Tensor
  | { readonly data: TypedArray; readonly shape: readonly number[] }
  | TypedArray
  | readonly string[]
  | NestedNumbers;

/**
 * The columns of a producer: a list (examples are tuples) or a record (examples are records,
 * keys sorted).
 *
 * @example
 * ```ts
 * const columns: Columns = { image: images, label: labels };
 * ```
 */
export type Columns = readonly Column[] | Readonly<Record<string, Column>>;

/**
 * Reads the examples of one column. Rows are numbers or strings for rank-1 columns, else
 * typed-array views of the row (no copy; changes to the column show through). A tensor is
 * read once with `dataSync()` and never disposed: the caller owns it. Plain nested arrays are
 * flattened once into a `Float32Array`.
 *
 * dtype: int32 tensors and integer typed arrays give `int32`; float data and plain numbers
 * `float32`; strings `string`. Rows of a string tensor of rank >= 2 are new string tensors.
 *
 * Throws {@link InvalidArgumentError} naming `argName` and the value for an empty column, a
 * scalar, booleans, mixed numbers and strings, ragged nested arrays, `{ data, shape }` whose
 * sizes disagree, and bool or complex tensors.
 *
 * @example
 * ```ts
 * const images = new ColumnReader({ data: pixels, shape: [60000, 28, 28] }, 'images');
 * images.length; // 60000
 * images.rowShape; // [28, 28]
 * images.row(0); // Float32Array(784), a view of pixels
 * ```
 */
export class ColumnReader extends RowReader {
  /**
   * @param column the column.
   * @param argName its name in error messages, e.g. `tensorList[0]`.
   */
  constructor(column: Column, argName: string) {
    super(column, argName);
  }
}

/**
 * The columns of a producer, read: the number of examples, the examples' structure and spec,
 * one reader per column (in structure order), and `element(i)` for example `i`.
 *
 * @example
 * ```ts
 * const set: ColumnSet = readColumns([images, labels]);
 * set.element(0); // [Float32Array(784), 5]
 * ```
 */
export interface ColumnSet {
  /** Number of examples (the common first dimension). */
  readonly length: number;
  /** A tuple for a list of columns, a record (keys sorted) for a record of columns. */
  readonly structure: ElementStructure;
  /** One reader per component, in structure order. */
  readonly readers: readonly ColumnReader[];
  /** The examples' spec: each column's dtype and row shape. */
  readonly spec: ElementSpec;
  /** Example `i`: the tuple or record of the columns' rows `i`. */
  element(i: number): Element;
}

/**
 * Reads a list or record of columns that share their first dimension.
 *
 * @example
 * ```ts
 * const set = readColumns({ label: new Int32Array([1, 2]), image: [[0, 1], [1, 0]] });
 * set.structure; // { kind: 'record', keys: ['image', 'label'] }
 * set.element(1); // { image: Float32Array [1, 0], label: 2 }
 * ```
 */
export function readColumns(columns: Columns, argName = 'tensorList'): ColumnSet {
  let structure: ElementStructure;
  let names: string[];
  let values: unknown[];
  if (Array.isArray(columns)) {
    structure = { kind: 'tuple', length: columns.length };
    names = columns.map((_, c) => String(c));
    values = columns as unknown[];
  } else if (isPlainObject(columns)) {
    const keys = Object.keys(columns).sort();
    structure = { kind: 'record', keys };
    names = keys.map((k) => `\`${k}\``);
    values = keys.map((k) => columns[k]);
  } else {
    throw new InvalidArgumentError(
      `Expected \`${argName}\` to be an array or a plain object of columns, got ${describeValue(columns)}`,
    );
  }
  if (values.length === 0 || isDataWithShape(columns)) {
    throw new InvalidArgumentError(
      `Expected at least one column in \`${argName}\` (an array or a plain object of columns), ` +
        `got ${describeValue(columns)}` +
        (values.length === 0 ? '' : '; to pass one { data, shape } column, wrap it in an array'),
    );
  }
  const readers = values.map(
    (v, c) =>
      new ColumnReader(
        v as Column,
        structure.kind === 'record' ? `${argName}.${structure.keys[c]}` : `${argName}[${c}]`,
      ),
  );
  const length = readers[0]!.length;
  readers.forEach((r, c) => {
    if (r.length !== length) {
      throw new InvalidArgumentError(
        `Columns of \`${argName}\` have different first dimensions: column ${names[0]} has ` +
          `${length}, column ${names[c]} has ${r.length}`,
      );
    }
  });
  const components = readers.map((r): ComponentSpec => ({ dtype: r.dtype, shape: r.rowShape }));
  return {
    length,
    structure,
    readers,
    spec: { structure, components },
    element: elementBuilder(structure, readers),
  };
}

/** `{ data, shape }` passed where a list or record of columns belongs. */
function isDataWithShape(columns: unknown): boolean {
  if (!isPlainObject(columns)) return false;
  const keys = Object.keys(columns);
  return keys.length === 2 && ArrayBuffer.isView(columns.data) && Array.isArray(columns.shape);
}

function elementBuilder(
  structure: ElementStructure,
  readers: readonly ColumnReader[],
): (i: number) => Element {
  const k = readers.length;
  if (structure.kind === 'record') {
    const keys = structure.keys;
    return (i) => {
      const out: Record<string, Component> = {};
      for (let c = 0; c < k; c++) out[keys[c]!] = readers[c]!.row(i);
      return out;
    };
  }
  return (i) => {
    const out = new Array<Component>(k);
    for (let c = 0; c < k; c++) out[c] = readers[c]!.row(i);
    return out;
  };
}
