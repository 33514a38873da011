import type { Tensor } from '@tensorflow/tfjs';
import { disposeTensorsIn } from './dispose.js';
import type { ArrayBatch, Component, Element, TypedArray } from './element.js';
import {
  componentName,
  describeElementForm,
  describeStructure,
  isPlainObject,
  isTensor,
  isTypedArray,
  matchesStructure,
  rebuild,
  type ComponentSpec,
  type ElementSpec,
  type ElementStructure,
} from './element-spec.js';
import { InvalidArgumentError } from './errors.js';
import { RowReader } from './row-reader.js';
import { resolveRowShape, shapeMismatchMessage } from './row-shape.js';
import { invalidArgument } from './validate.js';

/**
 * One component of a batched element: `n` examples along the first dimension.
 *
 * @example
 * ```ts
 * const labels: BatchedComponent = new Int32Array([3, 1, 4]); // 3 examples
 * ```
 */
export type BatchedComponent =
  Tensor | ArrayBatch | TypedArray | readonly number[] | readonly string[];

/**
 * What `enqueueMany` takes: a batched component, a tuple or a record of them, all holding
 * the same number of examples.
 *
 * @example
 * ```ts
 * const many: BatchedElement = [tf.zeros([3, 784]), new Int32Array([3, 1, 4])];
 * ```
 */
export type BatchedElement =
  BatchedComponent | readonly BatchedComponent[] | Readonly<Record<string, BatchedComponent>>;

/**
 * Splits a batched element into its `n` examples (see {@link unbatch}).
 *
 * @example
 * ```ts
 * unbatchElement([tf.tensor2d([[1, 2], [3, 4]]), [7, 8]]);
 * // [[Float32Array [1, 2], 7], [Float32Array [3, 4], 8]]
 * ```
 */
export function unbatchElement(
  batched: BatchedElement | Element,
  spec?: ElementSpec,
  argName = 'elements',
): Element[] {
  return unbatch(batched, spec, argName).elements;
}

/**
 * Splits a batched element into its `n` examples, for `enqueueMany`. Each component holds
 * `n` examples along its first dimension: a `tf.Tensor` `[n, ...]` (read once, then
 * disposed: the pipeline owns it), `{ data, shape }`, a typed array or a plain array (`n`
 * scalars). Rows are typed-array views into the component's data (no copy); scalar rows are
 * numbers or strings.
 *
 * Returns the examples and their spec: the given `spec` (which every component is checked
 * against), else one inferred from the batched data, which keeps row shapes such as
 * `[28, 28]` that the flat row views do not carry. Components with different `n` throw
 * {@link InvalidArgumentError} giving both counts. Tensors in `batched` are disposed even
 * when this throws.
 *
 * @example
 * ```ts
 * const { elements, spec } = unbatch({ x: tf.zeros([2, 28, 28]), y: [1, 2] });
 * // elements: [{ x: Float32Array(784), y: 1 }, { x: Float32Array(784), y: 2 }]
 * // spec.components: [{ dtype: 'float32', shape: [28, 28] }, { dtype: 'float32', shape: [] }]
 * ```
 */
export function unbatch(
  batched: BatchedElement | Element,
  spec?: ElementSpec,
  argName = 'elements',
): { elements: Element[]; spec: ElementSpec } {
  try {
    const structure = spec?.structure ?? batchedStructureOf(batched, argName);
    if (!matchesStructure(batched, structure)) {
      throw new InvalidArgumentError(
        `Expected \`${argName}\` to be ${describeStructure(structure)} of batched components, ` +
          `got ${describeElementForm(batched)}`,
      );
    }
    const readers = readersOf(batched, structure, argName);
    const n = readers[0]!.length;
    readers.forEach((r, c) => {
      if (r.length !== n) {
        throw new InvalidArgumentError(
          `Components of \`${argName}\` have different first dimensions: component ` +
            `${componentName(structure, 0)} has ${n}, component ${componentName(structure, c)} has ${r.length}`,
        );
      }
    });
    const components = readers.map((r, c): ComponentSpec => {
      const given = spec?.components[c];
      if (given === undefined) return { dtype: r.dtype, shape: r.rowShape };
      checkAgainst(r, given, `component ${componentName(structure, c)} of \`${argName}\``);
      return given;
    });
    const elements = new Array<Element>(n);
    for (let i = 0; i < n; i++) {
      const row = new Array<Component>(readers.length);
      for (let c = 0; c < readers.length; c++) row[c] = readers[c]!.row(i);
      elements[i] = rebuild(structure, row);
    }
    return { elements, spec: { structure, components } };
  } finally {
    disposeTensorsIn(batched);
  }
}

/** Bare for a tensor, typed array, `{ data, shape }` or array of scalars; else tuple/record. */
function batchedStructureOf(batched: unknown, argName: string): ElementStructure {
  if (isTensor(batched) || isTypedArray(batched) || isArrayBatch(batched)) return { kind: 'bare' };
  if (Array.isArray(batched)) {
    const first: unknown = batched[0];
    if (batched.length === 0 || typeof first === 'number' || typeof first === 'string') {
      return { kind: 'bare' };
    }
    return { kind: 'tuple', length: batched.length };
  }
  if (isPlainObject(batched)) {
    const keys = Object.keys(batched).sort();
    if (keys.length > 0) return { kind: 'record', keys };
  }
  throw invalidArgument(
    argName,
    'a batched component (tf.Tensor, { data, shape }, typed array or array of numbers or ' +
      'strings), or a non-empty array or plain object of them',
    batched,
  );
}

function isArrayBatch(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && 'data' in value && 'shape' in value && Array.isArray(value.shape);
}

function readersOf(batched: unknown, structure: ElementStructure, argName: string): RowReader[] {
  const options = { allowEmpty: true };
  if (structure.kind === 'bare') return [new RowReader(batched, argName, options)];
  if (structure.kind === 'tuple') {
    return (batched as readonly unknown[]).map(
      (part, c) => new RowReader(part, `${argName}[${c}]`, options),
    );
  }
  const record = batched as Readonly<Record<string, unknown>>;
  return structure.keys.map((key) => new RowReader(record[key], `${argName}.${key}`, options));
}

/** Rows of a reader must fit a component spec: dtype (numbers fit int32) and row shape. */
function checkAgainst(reader: RowReader, spec: ComponentSpec, where: string): void {
  const numbers = reader.rowShape.length === 0 && reader.dtype === 'float32';
  if (reader.dtype !== spec.dtype && !(spec.dtype === 'int32' && numbers)) {
    throw new InvalidArgumentError(
      `Expected ${where} to hold ${spec.dtype} rows, got ${reader.dtype} rows`,
    );
  }
  if (resolveRowShape(spec.shape, reader.rowShape, reader.rowSize) === undefined) {
    throw new InvalidArgumentError(
      shapeMismatchMessage(where, spec.shape, reader.rowShape, reader.rowSize),
    );
  }
}
