import type { Tensor } from '@tensorflow/tfjs';
import type { Component, ComponentRecord, Element, TypedArray } from './element.js';
import { InvalidArgumentError } from './errors.js';
import {
  checkRowShape,
  formatShape,
  resolveRowShape,
  shapeMismatchMessage,
  type RowShape,
} from './row-shape.js';
import { tf } from './tf.js';
import { describeValue, invalidArgument } from './validate.js';

export type { RowShape } from './row-shape.js';
export { rebuild } from './rebuild.js';

/**
 * The data type of a batched component: numbers batch to `float32` unless they come from an
 * integer typed array or an `int32` tensor; strings batch to `string`.
 *
 * @example
 * ```ts
 * const d: DType = 'int32';
 * ```
 */
export type DType = 'float32' | 'int32' | 'string';

/**
 * The data type and row shape of one component.
 *
 * @example
 * ```ts
 * const image: ComponentSpec = { dtype: 'float32', shape: [28, 28] };
 * ```
 */
export interface ComponentSpec {
  readonly dtype: DType;
  readonly shape: RowShape;
}

/**
 * The form of an element: one bare component, a tuple of `length` components, or a record
 * whose `keys` are sorted (as TensorFlow sorts dict keys); components are numbered in that
 * order.
 *
 * @example
 * ```ts
 * const s: ElementStructure = { kind: 'record', keys: ['image', 'label'] };
 * ```
 */
export type ElementStructure =
  | { readonly kind: 'bare' }
  | { readonly kind: 'tuple'; readonly length: number }
  | { readonly kind: 'record'; readonly keys: readonly string[] };

/**
 * The structure of an element and the spec of each of its components, in structure order.
 *
 * @example
 * ```ts
 * const spec = inferSpec([new Float32Array(784), 7]);
 * // { structure: { kind: 'tuple', length: 2 },
 * //   components: [{ dtype: 'float32', shape: [784] }, { dtype: 'float32', shape: [] }] }
 * ```
 */
export interface ElementSpec {
  readonly structure: ElementStructure;
  readonly components: readonly ComponentSpec[];
}

/**
 * Row shapes given by the user, in the element's form: a single shape for a bare element (or
 * a list holding that one shape), a list with one entry per component for a tuple, a record
 * keyed like the element for a record. An `undefined` entry (or a missing key) means "infer
 * from the data".
 *
 * @example
 * ```ts
 * const bare: Shapes = [28, 28];
 * const tuple: Shapes = [[28, 28], []];
 * const record: Shapes = { image: [28, 28] };
 * ```
 */
export type Shapes =
  RowShape | readonly (RowShape | undefined)[] | Readonly<Record<string, RowShape | undefined>>;

/**
 * Options of {@link inferSpec}.
 *
 * @example
 * ```ts
 * const options: InferSpecOptions = { shapes: [[28, 28], []], argName: 'element' };
 * ```
 */
export interface InferSpecOptions {
  /** Row shapes per component; see {@link Shapes}. */
  readonly shapes?: Shapes | undefined;
  /** Allow variable (`null`) dimensions; array rows without a given shape become variable. */
  readonly dynamicPad?: boolean | undefined;
  /** The name of the element in error messages. Default `element`. */
  readonly argName?: string | undefined;
}

const TYPED_ARRAY_DTYPES: ReadonlyMap<string, 'float32' | 'int32'> = new Map([
  ['Float32Array', 'float32'],
  ['Float64Array', 'float32'],
  ['Int8Array', 'int32'],
  ['Int16Array', 'int32'],
  ['Int32Array', 'int32'],
  ['Uint8Array', 'int32'],
  ['Uint16Array', 'int32'],
  ['Uint32Array', 'int32'],
  ['Uint8ClampedArray', 'int32'],
]);

/**
 * The batch dtype of a typed array (`float32` for float arrays, `int32` for integer arrays),
 * or `undefined` when `value` is not one of the supported typed arrays. Works across realms
 * (it reads the array's tag, not its constructor).
 *
 * @example
 * ```ts
 * typedArrayDType(new Uint8Array(3)); // 'int32'
 * typedArrayDType(new DataView(new ArrayBuffer(4))); // undefined
 * ```
 */
export function typedArrayDType(value: unknown): 'float32' | 'int32' | undefined {
  if (value instanceof Float32Array) return 'float32';
  if (!ArrayBuffer.isView(value)) return undefined;
  return TYPED_ARRAY_DTYPES.get((value as Float32Array)[Symbol.toStringTag]);
}

/**
 * Whether `value` is one of the supported typed arrays.
 *
 * @example
 * ```ts
 * isTypedArray(new Float64Array(2)); // true
 * ```
 */
export function isTypedArray(value: unknown): value is TypedArray {
  return typedArrayDType(value) !== undefined;
}

/**
 * Whether `value` is a `tf.Tensor`.
 *
 * @example
 * ```ts
 * isTensor(tf.scalar(1)); // true
 * ```
 */
export function isTensor(value: unknown): value is Tensor {
  return value instanceof tf.Tensor;
}

/**
 * Whether `value` is a plain object (`{}` or `Object.create(null)`), the only kind of object
 * taken as a record.
 *
 * @example
 * ```ts
 * isPlainObject({ a: 1 }); // true
 * isPlainObject(new Map()); // false
 * ```
 */
export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether `value` is a component: a number, a string, a supported typed array or a tensor.
 *
 * @example
 * ```ts
 * isComponent(true); // false
 * ```
 */
export function isComponent(value: unknown): value is Component {
  return (
    typeof value === 'number' || typeof value === 'string' || isTypedArray(value) || isTensor(value)
  );
}

/**
 * Describes a component for error messages; tensors show their dtype and shape.
 *
 * @example
 * ```ts
 * describeComponent(tf.zeros([2, 3])); // '`Tensor(float32, [2,3])`'
 * ```
 */
export function describeComponent(value: unknown): string {
  if (isTensor(value)) return `\`Tensor(${value.dtype}, ${formatShape(value.shape)})\``;
  return describeValue(value);
}

/**
 * The component's name in messages: its index, or its key in backquotes for a record.
 *
 * @example
 * ```ts
 * componentName({ kind: 'record', keys: ['image', 'label'] }, 1); // '`label`'
 * ```
 */
export function componentName(structure: ElementStructure, index: number): string {
  return structure.kind === 'record' ? `\`${structure.keys[index]}\`` : String(index);
}

/**
 * Classifies an element: a component is `bare`, an array a `tuple` (a tuple of one stays a
 * tuple of one), a plain object a `record` (keys sorted). Anything else, an empty array or an
 * empty object throws {@link InvalidArgumentError} naming `argName` and the value.
 *
 * @example
 * ```ts
 * structureOf([x, 7], 'element'); // { kind: 'tuple', length: 2 }
 * structureOf({ y: 1, x: 2 }, 'element'); // { kind: 'record', keys: ['x', 'y'] }
 * ```
 */
export function structureOf(element: unknown, argName: string): ElementStructure {
  if (Array.isArray(element)) {
    if (element.length > 0) return { kind: 'tuple', length: element.length };
  } else if (isPlainObject(element)) {
    const keys = Object.keys(element).sort();
    if (keys.length > 0) return { kind: 'record', keys };
  } else if (isComponent(element)) {
    return { kind: 'bare' };
  }
  throw invalidArgument(
    argName,
    'a component (number, string, typed array or tf.Tensor), a non-empty array of components ' +
      'or a non-empty plain object of components',
    element,
  );
}

/**
 * The components of `element` in structure order (the record's sorted keys). Throws when the
 * element does not have that structure. Components themselves are not checked here.
 *
 * @example
 * ```ts
 * componentsOf({ label: 7, image: x }, { kind: 'record', keys: ['image', 'label'] }); // [x, 7]
 * ```
 */
export function componentsOf(
  element: Element,
  structure: ElementStructure,
  argName = 'element',
): Component[] {
  if (structure.kind === 'bare') return [element as Component];
  if (!matchesStructure(element, structure)) {
    throw new InvalidArgumentError(
      `Expected \`${argName}\` to be ${describeStructure(structure)}, got ${describeElementForm(element)}`,
    );
  }
  if (structure.kind === 'tuple') return (element as readonly Component[]).slice();
  const record = element as ComponentRecord;
  const out = new Array<Component>(structure.keys.length);
  for (let c = 0; c < structure.keys.length; c++) out[c] = record[structure.keys[c] as string]!;
  return out;
}

/**
 * Whether `element` has the form `structure` describes (a bare element always does; its
 * component is checked elsewhere). Allocates nothing.
 *
 * @example
 * ```ts
 * matchesStructure([1, 2], { kind: 'tuple', length: 2 }); // true
 * ```
 */
export function matchesStructure(element: unknown, structure: ElementStructure): boolean {
  if (structure.kind === 'bare') return true;
  if (structure.kind === 'tuple') {
    return Array.isArray(element) && element.length === structure.length;
  }
  if (!isPlainObject(element)) return false;
  let count = 0;
  for (const key in element) if (Object.hasOwn(element, key)) count++;
  if (count !== structure.keys.length) return false;
  for (const key of structure.keys) if (!Object.hasOwn(element, key)) return false;
  return true;
}

/**
 * Describes a structure for messages: `a tuple of 2 components`, `a record with keys
 * ["image","label"]`, `a bare component`.
 *
 * @example
 * ```ts
 * describeStructure({ kind: 'tuple', length: 2 }); // 'a tuple of 2 components'
 * ```
 */
export function describeStructure(structure: ElementStructure): string {
  switch (structure.kind) {
    case 'bare':
      return 'a bare component';
    case 'tuple':
      return `a tuple of ${structure.length} component${structure.length === 1 ? '' : 's'}`;
    case 'record':
      return `a record with keys ${JSON.stringify(structure.keys)}`;
  }
}

/**
 * Describes the form an element has, for messages about a structure mismatch: `an array of
 * 3`, `a record with keys ["x"]`, or the component.
 *
 * @example
 * ```ts
 * describeElementForm([1, 2]); // 'an array of 2'
 * ```
 */
export function describeElementForm(element: unknown): string {
  if (Array.isArray(element)) return `an array of ${element.length}`;
  if (isPlainObject(element))
    return `a record with keys ${JSON.stringify(Object.keys(element).sort())}`;
  return describeComponent(element);
}

/**
 * The expected kinds of value for a dtype, for messages.
 *
 * @example
 * ```ts
 * expectedForDType('string'); // 'a string or a string tf.Tensor'
 * ```
 */
export function expectedForDType(dtype: DType): string {
  switch (dtype) {
    case 'float32':
      return 'a number, a float typed array (Float32Array, Float64Array) or a float32 tf.Tensor';
    case 'int32':
      return 'a number, an integer typed array or an int32 tf.Tensor';
    case 'string':
      return 'a string or a string tf.Tensor';
  }
}

/**
 * The dtype, own shape and number of values of a component, or throws
 * {@link InvalidArgumentError} (`` Expected component 1 of `element` to be a number, ... ``)
 * when `value` is not a supported component. `where` names the component in messages.
 *
 * @example
 * ```ts
 * describeRow(new Uint8Array(4), 'component 0 of `element`');
 * // { dtype: 'int32', shape: [4], count: 4 }
 * ```
 */
export function describeRow(
  value: unknown,
  where: string,
): { dtype: DType; shape: readonly number[]; count: number } {
  if (typeof value === 'number') return { dtype: 'float32', shape: [], count: 1 };
  if (typeof value === 'string') return { dtype: 'string', shape: [], count: 1 };
  const typed = typedArrayDType(value);
  if (typed !== undefined) {
    const length = (value as TypedArray).length;
    return { dtype: typed, shape: [length], count: length };
  }
  if (isTensor(value)) {
    const dtype = value.dtype;
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'string') {
      throw new InvalidArgumentError(
        `Expected ${where} to be a float32, int32 or string tf.Tensor, got ${describeComponent(value)}`,
      );
    }
    return { dtype, shape: value.shape, count: value.size };
  }
  throw new InvalidArgumentError(
    `Expected ${where} to be a number, string, typed array or tf.Tensor, got ${describeValue(value)}`,
  );
}

/**
 * Infers the spec of an element: its structure, and per component a dtype (number ->
 * float32, string -> string, float typed array -> float32, integer typed array -> int32,
 * tensor -> its dtype) and a row shape (`[]` for numbers and strings, `[length]` for typed
 * arrays, the tensor's shape). Given `shapes` override the inferred shape; their size must
 * match the data. With `dynamicPad` and no given shape, array and tensor dimensions become
 * variable (`null`).
 *
 * @example
 * ```ts
 * inferSpec([new Float32Array(784), 7], { shapes: [[28, 28], undefined] });
 * // components: [{ dtype: 'float32', shape: [28, 28] }, { dtype: 'float32', shape: [] }]
 * inferSpec(new Int32Array(5), { dynamicPad: true }); // one component { 'int32', [null] }
 * ```
 */
export function inferSpec(element: Element, options: InferSpecOptions = {}): ElementSpec {
  const argName = options.argName ?? 'element';
  const dynamicPad = options.dynamicPad ?? false;
  const structure = structureOf(element, argName);
  const values = componentsOf(element, structure, argName);
  const given = shapesPerComponent(options.shapes, structure, dynamicPad);
  const components: ComponentSpec[] = [];
  for (let c = 0; c < values.length; c++) {
    const value = values[c];
    const name = componentName(structure, c);
    const row = describeRow(value, `component ${name} of \`${argName}\``);
    const shape = given[c];
    if (shape !== undefined) {
      if (resolveRowShape(shape, row.shape, row.count) === undefined) {
        throw new InvalidArgumentError(
          shapeMismatchMessage(`component ${name}`, shape, row.shape, row.count),
        );
      }
      components.push({ dtype: row.dtype, shape });
    } else if (dynamicPad && row.shape.length > 0) {
      components.push({ dtype: row.dtype, shape: Object.freeze(row.shape.map(() => null)) });
    } else {
      components.push({ dtype: row.dtype, shape: Object.freeze(row.shape.slice()) });
    }
  }
  return { structure, components };
}

/**
 * Spreads user `shapes` over the components of `structure` (see {@link Shapes}); entries are
 * checked with {@link checkRowShape}. `undefined` means "infer".
 *
 * @example
 * ```ts
 * shapesPerComponent({ image: [28, 28] }, { kind: 'record', keys: ['image', 'label'] }, false);
 * // [[28, 28], undefined]
 * ```
 */
export function shapesPerComponent(
  shapes: Shapes | undefined,
  structure: ElementStructure,
  dynamicPad: boolean,
  argName = 'shapes',
): (RowShape | undefined)[] {
  if (shapes === undefined) {
    return new Array<undefined>(structure.kind === 'bare' ? 1 : componentCount(structure));
  }
  if (structure.kind === 'bare') {
    if (Array.isArray(shapes) && shapes.length === 1 && Array.isArray(shapes[0])) {
      return [checkRowShape(shapes[0], `${argName}[0]`, dynamicPad)];
    }
    return [checkRowShape(shapes, argName, dynamicPad)];
  }
  if (structure.kind === 'tuple') {
    if (!Array.isArray(shapes) || shapes.length !== structure.length) {
      throw invalidArgument(
        argName,
        `a list of ${structure.length} row shape${structure.length === 1 ? '' : 's'} (one per component)`,
        shapes,
      );
    }
    return (shapes as readonly unknown[]).map((s, c) =>
      s === undefined ? undefined : checkRowShape(s, `${argName}[${c}]`, dynamicPad),
    );
  }
  if (!isPlainObject(shapes)) {
    throw invalidArgument(argName, 'a record of row shapes keyed like the element', shapes);
  }
  for (const key of Object.keys(shapes)) {
    if (!structure.keys.includes(key)) {
      throw new InvalidArgumentError(
        `Expected the keys of \`${argName}\` to be among the element's keys ` +
          `${JSON.stringify(structure.keys)}, got \`${key}\``,
      );
    }
  }
  return structure.keys.map((key) => {
    const s = shapes[key];
    return s === undefined ? undefined : checkRowShape(s, `${argName}.${key}`, dynamicPad);
  });
}

/**
 * The number of components of a structure.
 *
 * @example
 * ```ts
 * componentCount({ kind: 'bare' }); // 1
 * ```
 */
export function componentCount(structure: ElementStructure): number {
  switch (structure.kind) {
    case 'bare':
      return 1;
    case 'tuple':
      return structure.length;
    case 'record':
      return structure.keys.length;
  }
}

/**
 * Whether two structures are the same (kind, length, keys).
 *
 * @example
 * ```ts
 * sameStructure({ kind: 'tuple', length: 2 }, { kind: 'tuple', length: 2 }); // true
 * ```
 */
export function sameStructure(a: ElementStructure, b: ElementStructure): boolean {
  if (a.kind === 'tuple') return b.kind === 'tuple' && a.length === b.length;
  if (a.kind === 'record') {
    return (
      b.kind === 'record' &&
      a.keys.length === b.keys.length &&
      a.keys.every((k, i) => k === b.keys[i])
    );
  }
  return b.kind === 'bare';
}

/**
 * Whether two row shapes can hold the same rows: same rank, and every dimension equal or
 * variable in one of them.
 *
 * @example
 * ```ts
 * shapesCompatible([null, 3], [5, 3]); // true
 * ```
 */
export function shapesCompatible(a: RowShape, b: RowShape): boolean {
  if (a.length !== b.length) return false;
  for (let d = 0; d < a.length; d++) {
    const x = a[d];
    const y = b[d];
    if (x !== null && y !== null && x !== y) return false;
  }
  return true;
}

/**
 * Whether elements of spec `a` and spec `b` can be batched together: same structure, same
 * dtypes, compatible row shapes.
 *
 * @example
 * ```ts
 * specsCompatible(inferSpec([x, 1]), inferSpec([y, 2])); // true when x, y have the same length
 * ```
 */
export function specsCompatible(a: ElementSpec, b: ElementSpec): boolean {
  if (!sameStructure(a.structure, b.structure)) return false;
  if (a.components.length !== b.components.length) return false;
  return a.components.every((ca, c) => {
    const cb = b.components[c];
    return cb !== undefined && ca.dtype === cb.dtype && shapesCompatible(ca.shape, cb.shape);
  });
}

/**
 * Throws {@link InvalidArgumentError} unless two structures are the same. `what` names what
 * is compared, e.g. `` `sources[1]` ``.
 *
 * @example
 * ```ts
 * assertSameStructure(a, b, '`sources[1]`');
 * // Mismatched elements in `sources[1]`: records must have the same keys, got ["x","y"] and ["x","z"]
 * ```
 */
export function assertSameStructure(a: ElementStructure, b: ElementStructure, what: string): void {
  if (sameStructure(a, b)) return;
  const prefix = `Mismatched elements in ${what}:`;
  if (a.kind === 'record' && b.kind === 'record') {
    throw new InvalidArgumentError(
      `${prefix} records must have the same keys, got ${JSON.stringify(a.keys)} and ${JSON.stringify(b.keys)}`,
    );
  }
  if (a.kind === 'tuple' && b.kind === 'tuple') {
    throw new InvalidArgumentError(
      `${prefix} tuples must have the same number of components, got ${a.length} and ${b.length}`,
    );
  }
  throw new InvalidArgumentError(
    `${prefix} elements must have the same structure, got ${describeStructure(a)} and ${describeStructure(b)}`,
  );
}

/**
 * Throws {@link InvalidArgumentError} unless two specs are compatible (see
 * {@link specsCompatible}); the message names the first differing component.
 *
 * @example
 * ```ts
 * assertCompatibleSpecs(a, b, '`sources[1]`');
 * // Mismatched elements in `sources[1]`: component 0 is float32 [784] in one and int32 [784] in the other
 * ```
 */
export function assertCompatibleSpecs(a: ElementSpec, b: ElementSpec, what: string): void {
  assertSameStructure(a.structure, b.structure, what);
  for (let c = 0; c < a.components.length; c++) {
    const ca = a.components[c]!;
    const cb = b.components[c]!;
    if (ca.dtype !== cb.dtype || !shapesCompatible(ca.shape, cb.shape)) {
      throw new InvalidArgumentError(
        `Mismatched elements in ${what}: component ${componentName(a.structure, c)} is ` +
          `${ca.dtype} ${formatShape(ca.shape)} in one and ${cb.dtype} ${formatShape(cb.shape)} in the other`,
      );
    }
  }
}
