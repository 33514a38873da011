import type { Tensor } from '@tensorflow/tfjs';
import type { Component, ComponentRecord, Element, TypedArray } from './element.js';
import {
  componentName,
  componentsOf,
  describeStructure,
  matchesStructure,
  rebuild,
  describeComponent,
  describeElementForm,
  describeRow,
  expectedForDType,
  type ComponentSpec,
  type DType,
  type ElementSpec,
  type ElementStructure,
} from './element-spec.js';
import { InvalidArgumentError } from './errors.js';
import { isVariable, resolveRowShape, shapeMismatchMessage } from './row-shape.js';
import { tf } from './tf.js';

/**
 * One component of one element, read against its spec: its values (a scalar, a typed array,
 * or a tensor's data) and its actual row shape.
 */
export interface RowValues {
  readonly values: number | string | TypedArray | readonly string[];
  readonly shape: readonly number[];
  /** Whether the component was a tensor (which the pipeline disposes once copied). */
  readonly tensor: boolean;
}

/**
 * The component at index `c` of an element of the given structure (no checks: call
 * `matchesStructure` first).
 *
 * @example
 * ```ts
 * componentAt({ x: 1, y: 2 }, { kind: 'record', keys: ['x', 'y'] }, 1); // 2
 * ```
 */
export function componentAt(element: Element, structure: ElementStructure, c: number): unknown {
  if (structure.kind === 'tuple') return (element as readonly Component[])[c];
  if (structure.kind === 'record') return (element as ComponentRecord)[structure.keys[c]!];
  return element;
}

/**
 * Throws {@link InvalidArgumentError} unless element `i` has the form `structure` describes.
 *
 * @example
 * ```ts
 * checkElement([1], { kind: 'tuple', length: 2 }, 3);
 * // Expected element 3 to be a tuple of 2 components, got an array of 1
 * ```
 */
export function checkElement(element: unknown, structure: ElementStructure, i: number): void {
  if (matchesStructure(element, structure)) return;
  throw new InvalidArgumentError(
    `Expected element ${i} to be ${describeStructure(structure)}, got ${describeElementForm(element)}`,
  );
}

/**
 * Names component `c` of element `i` for messages: `component 0 of element 3`.
 *
 * @example
 * ```ts
 * rowName({ kind: 'tuple', length: 2 }, 0, 3); // 'component 0 of element 3'
 * ```
 */
export function rowName(structure: ElementStructure, c: number, i: number): string {
  return `component ${componentName(structure, c)} of element ${i}`;
}

/**
 * Whether a value of dtype `dtype` may fill a component of spec dtype `want`. Numbers also
 * fill `int32` components: producers yield rows of integer columns as plain numbers.
 */
function dtypeFits(value: unknown, dtype: DType, want: DType): boolean {
  return dtype === want || (want === 'int32' && typeof value === 'number');
}

/**
 * The error for component `c` of element `i` when its value does not fit `spec`: a value
 * that is no component, a wrong dtype, or a wrong shape (with a hint to use `dynamicPad`
 * when only the sizes differ).
 *
 * @example
 * ```ts
 * throw rowError(new Float32Array(783), spec, structure, 0, 3, false);
 * // Shape mismatch in component 0 of element 3: expected [784], got [783]; ...
 * ```
 */
export function rowError(
  value: unknown,
  spec: ComponentSpec,
  structure: ElementStructure,
  c: number,
  i: number,
  dynamicPad: boolean,
): InvalidArgumentError {
  const where = rowName(structure, c, i);
  const row = describeRow(value, where);
  if (!dtypeFits(value, row.dtype, spec.dtype)) {
    return new InvalidArgumentError(
      `Expected ${where} to be ${expectedForDType(spec.dtype)}, got ${describeComponent(value)}`,
    );
  }
  let message = shapeMismatchMessage(where, spec.shape, row.shape, row.count);
  if (!dynamicPad && row.shape.length === spec.shape.length && row.shape.length > 0) {
    message += '; rows whose sizes differ from batch to batch need `dynamicPad: true`';
  }
  return new InvalidArgumentError(message);
}

/**
 * Reads component `c` of element `i` against its spec, or throws (see {@link rowError}).
 * Tensors are read with `dataSync()` and not disposed here.
 *
 * @example
 * ```ts
 * readRow(new Float32Array(12), { dtype: 'float32', shape: [null, 3] }, s, 0, 0, true);
 * // { values: Float32Array(12), shape: [4, 3], tensor: false }
 * ```
 */
export function readRow(
  value: unknown,
  spec: ComponentSpec,
  structure: ElementStructure,
  c: number,
  i: number,
  dynamicPad: boolean,
): RowValues {
  const row = describeRow(value, rowName(structure, c, i));
  const shape = dtypeFits(value, row.dtype, spec.dtype)
    ? resolveRowShape(spec.shape, row.shape, row.count)
    : undefined;
  if (shape === undefined) throw rowError(value, spec, structure, c, i, dynamicPad);
  if (typeof value === 'number' || typeof value === 'string') {
    return { values: value, shape, tensor: false };
  }
  if (value instanceof tf.Tensor) {
    return { values: value.dataSync(), shape, tensor: true };
  }
  return { values: value as TypedArray, shape, tensor: false };
}

/**
 * The dimension-wise largest of row shapes of one rank; `spec`'s known dimensions are kept.
 * With no rows, variable dimensions are 0.
 *
 * @example
 * ```ts
 * maxShape([null, 3], [[2, 3], [5, 3]]); // [5, 3]
 * ```
 */
export function maxShape(
  spec: readonly (number | null)[],
  shapes: readonly (readonly number[])[],
): number[] {
  const out = spec.map((d) => d ?? 0);
  for (const shape of shapes) {
    for (let d = 0; d < out.length; d++) {
      const dim = shape[d]!;
      if (dim > out[d]!) out[d] = dim;
    }
  }
  return out;
}

/**
 * A zeroed buffer for `size` values of `dtype`: `Float32Array`, `Int32Array`, or a string
 * array filled with `''` (the padding value for strings).
 *
 * @example
 * ```ts
 * allocData('string', 2); // ['', '']
 * ```
 */
export function allocData(dtype: DType, size: number): TypedArray | string[] {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  return new Array<string>(size).fill('');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
}

function copyRun(
  src: TypedArray | readonly string[],
  from: number,
  dst: TypedArray | string[],
  to: number,
  length: number,
): void {
  if (Array.isArray(dst)) {
    for (let k = 0; k < length; k++) dst[to + k] = (src as readonly string[])[from + k]!;
  } else {
    dst.set((src as TypedArray).subarray(from, from + length), to);
  }
}

/**
 * Copies one row of shape `shape` into `dst` at `offset`, laid out in the (equal or larger)
 * shape `target`; cells outside the row keep their value (the padding). A scalar row is
 * written as one value.
 *
 * @example
 * ```ts
 * const dst = new Float32Array(6);
 * copyPadded(new Float32Array([1, 2]), [1, 2], dst, 0, [2, 3]); // dst = [1, 2, 0, 0, 0, 0]
 * ```
 */
export function copyPadded(
  values: RowValues['values'],
  shape: readonly number[],
  dst: TypedArray | string[],
  offset: number,
  target: readonly number[],
): void {
  if (typeof values === 'number' || typeof values === 'string') {
    (dst as unknown[])[offset] = values;
    return;
  }
  const rank = shape.length;
  if (sameShape(shape, target)) {
    copyRun(values, 0, dst, offset, values.length);
    return;
  }
  let count = 1;
  for (const d of shape) count *= d;
  if (count === 0) return;
  // Copy the contiguous last-dimension runs; `index` walks the leading dimensions of `shape`.
  const run = shape[rank - 1]!;
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1]! * target[d + 1]!;
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let from = 0; from < count; from += run) {
    let to = offset;
    for (let d = 0; d < rank - 1; d++) to += index[d]! * strides[d]!;
    copyRun(values, from, dst, to, run);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
}

/**
 * Pads the variable-dimension components of `elements` to the largest size in this group
 * (0 for numbers, `''` for strings), as a `PaddingFIFOQueue`'s `dequeueMany` does. Rows that
 * already have the largest shape are returned as they are; a padded typed-array row becomes a
 * new `Float32Array`/`Int32Array`, a padded tensor a new tensor (the original is disposed,
 * since the pipeline owns it). Elements with nothing padded are returned unchanged. Throws
 * {@link InvalidArgumentError} for rows that do not fit `spec`, creating no tensors then.
 *
 * @example
 * ```ts
 * const spec = inferSpec(new Float32Array(1), { dynamicPad: true });
 * padElements([new Float32Array([1]), new Float32Array([2, 3])], spec);
 * // [Float32Array [1, 0], Float32Array [2, 3]]
 * ```
 */
export function padElements(elements: readonly Element[], spec: ElementSpec): Element[] {
  const { structure } = spec;
  const out: Element[] = elements.slice();
  const variable = spec.components.flatMap((s, c) => (isVariable(s.shape) ? [c] : []));
  if (variable.length === 0) return out;
  elements.forEach((el, i) => checkElement(el, structure, i));
  const replaced: Tensor[] = [];
  const created: Tensor[] = [];
  // Padded rows per element, written into copies of the elements once all rows are read.
  const padded = new Map<number, Component[]>();
  try {
    for (const c of variable) {
      const cspec = spec.components[c]!;
      const rows = elements.map((el, i) =>
        readRow(componentAt(el, structure, c), cspec, structure, c, i, true),
      );
      const target = maxShape(
        cspec.shape,
        rows.map((r) => r.shape),
      );
      let size = 1;
      for (const d of target) size *= d;
      rows.forEach((row, i) => {
        if (sameShape(row.shape, target)) return;
        const data = allocData(cspec.dtype, size);
        copyPadded(row.values, row.shape, data, 0, target);
        let value: Component;
        if (row.tensor) {
          const t = tf.tensor(data, target, cspec.dtype);
          created.push(t);
          replaced.push(componentAt(elements[i]!, structure, c) as Tensor);
          value = t;
        } else {
          value = data as TypedArray;
        }
        let comps = padded.get(i);
        if (comps === undefined) {
          comps = componentsOf(elements[i]!, structure);
          padded.set(i, comps);
        }
        comps[c] = value;
      });
    }
  } catch (error) {
    for (const t of created) t.dispose();
    throw error;
  }
  for (const t of replaced) t.dispose();
  for (const [i, comps] of padded) out[i] = rebuild(structure, comps);
  return out;
}
