import type { Tensor } from '@tensorflow/tfjs';
import { disposeTensorsIn } from './dispose.js';
import type {
  ArrayBatch,
  Component,
  ComponentRecord,
  Element,
  OutputMode,
  TypedArray,
} from './element.js';
import {
  rebuild,
  typedArrayDType,
  type ComponentSpec,
  type ElementSpec,
  type ElementStructure,
} from './element-spec.js';
import { InvalidArgumentError } from './errors.js';
import {
  allocData,
  checkElement,
  componentAt,
  copyPadded,
  maxShape,
  readRow,
  rowError,
} from './padding.js';
import { formatShape, isVariable, shapeSize } from './row-shape.js';
import { tf } from './tf.js';
import { booleanOption, invalidArgument } from './validate.js';

export { padElements } from './padding.js';
export { unbatchElement } from './unbatch.js';

/**
 * Options of {@link BatchAssembler}.
 *
 * @example
 * ```ts
 * const options: BatchAssemblerOptions = { output: 'arrays', dynamicPad: false };
 * ```
 */
export interface BatchAssemblerOptions {
  /** `tensor` (default): one `tf.Tensor` per component; `arrays`: `{ data, shape }`. */
  readonly output?: OutputMode | undefined;
  /** Pad variable (`null`) dimensions to the largest size in each batch. Default false. */
  readonly dynamicPad?: boolean | undefined;
}

/**
 * Disposes every tensor held by `elements` (the pipeline owns them once they are queued).
 *
 * @example
 * ```ts
 * disposeElements([[tf.scalar(1), 2], { x: tf.scalar(3) }]);
 * ```
 */
export function disposeElements(elements: readonly unknown[]): void {
  for (const el of elements) disposeTensorsIn(el);
}

/**
 * Turns a list of elements into one batch: per component, one buffer of `b * rowSize` values
 * (`Float32Array`, `Int32Array`, or `string[]`) filled row by row, then a `tf.Tensor` of shape
 * `[b, ...rowShape]` (or `{ data, shape }` with `output: 'arrays'`). The batch has the
 * elements' form; cast it with `BatchOf`.
 *
 * Every element is checked against the spec (structure, dtype, row size or shape). Tensor
 * components are copied and then disposed, also when `assemble` throws; nothing it creates
 * leaks.
 *
 * @example
 * ```ts
 * const spec = inferSpec([new Float32Array(784), 7]);
 * const assembler = new BatchAssembler(spec, { output: 'tensor', dynamicPad: false });
 * const [x, y] = assembler.assemble(elements) as BatchOf<[Float32Array, number], tf.Tensor>;
 * // x: [b, 784] float32, y: [b] float32
 * ```
 */
export class BatchAssembler {
  /** The spec every element must fit. */
  readonly spec: ElementSpec;
  /** What each batched component is. */
  readonly output: OutputMode;
  /** Whether variable dimensions are padded per batch. */
  readonly dynamicPad: boolean;
  /** Set while assembling when a tensor component was read, so inputs get disposed. */
  #sawTensor = false;

  /**
   * @param spec the elements' spec (from `inferSpec`, or a producer).
   * @param options output mode and dynamic padding.
   */
  constructor(spec: ElementSpec, options: BatchAssemblerOptions = {}) {
    const output = options.output ?? 'tensor';
    if (output !== 'tensor' && output !== 'arrays') {
      throw invalidArgument('output', "'tensor' or 'arrays'", output);
    }
    this.output = output;
    this.dynamicPad = booleanOption('dynamicPad', options.dynamicPad ?? false);
    if (!this.dynamicPad) {
      spec.components.forEach((cs, c) => {
        if (isVariable(cs.shape)) {
          throw new InvalidArgumentError(
            `Component ${c} has the variable shape ${formatShape(cs.shape)}: ` +
              'variable dimensions need `dynamicPad: true`',
          );
        }
      });
    }
    this.spec = spec;
  }

  /**
   * Batches `elements` (see the class). Throws {@link InvalidArgumentError} for an element
   * that does not fit the spec, after disposing every input tensor.
   *
   * @example
   * ```ts
   * const batch = assembler.assemble([[row0, 1], [row1, 0]]); // [Tensor [2,784], Tensor [2]]
   * ```
   */
  assemble(elements: readonly Element[]): unknown {
    const { structure, components } = this.spec;
    this.#sawTensor = false;
    let done = false;
    try {
      for (let i = 0; i < elements.length; i++) checkElement(elements[i], structure, i);
      const batches: ArrayBatch[] = [];
      for (let c = 0; c < components.length; c++) {
        const spec = components[c]!;
        batches.push(
          !isVariable(spec.shape) && spec.dtype !== 'string'
            ? this.#gatherFixed(elements, structure, c, spec)
            : this.#gatherPadded(elements, structure, c, spec),
        );
      }
      const result: (ArrayBatch | Tensor)[] =
        this.output === 'arrays' ? batches : toTensors(batches, components);
      done = true;
      return rebuild(structure, result);
    } finally {
      if (!done || this.#sawTensor) disposeElements(elements);
    }
  }

  /** The hot path: a numeric component of fixed row size, written straight into one buffer. */
  #gatherFixed(
    elements: readonly Element[],
    structure: ElementStructure,
    c: number,
    spec: ComponentSpec,
  ): ArrayBatch {
    const b = elements.length;
    const size = shapeSize(spec.shape);
    const data = spec.dtype === 'int32' ? new Int32Array(b * size) : new Float32Array(b * size);
    const kind = structure.kind;
    const key = kind === 'record' ? structure.keys[c]! : '';
    for (let i = 0; i < b; i++) {
      const el = elements[i]!;
      const v =
        kind === 'tuple'
          ? (el as readonly Component[])[c]
          : kind === 'record'
            ? (el as ComponentRecord)[key]
            : el;
      if (typeof v === 'number') {
        if (size !== 1) throw this.#error(v, spec, structure, c, i);
        data[i] = v;
      } else if (typedArrayDType(v) === spec.dtype) {
        const row = v as TypedArray;
        if (row.length !== size) throw this.#error(v, spec, structure, c, i);
        data.set(row, i * size);
      } else if (v instanceof tf.Tensor && v.dtype === spec.dtype) {
        this.#sawTensor = true;
        if (v.size !== size) throw this.#error(v, spec, structure, c, i);
        data.set(v.dataSync(), i * size);
      } else {
        throw this.#error(v, spec, structure, c, i);
      }
    }
    return { data, shape: [b, ...(spec.shape as readonly number[])] };
  }

  /** Strings and variable shapes: read each row's shape, then copy into the padded layout. */
  #gatherPadded(
    elements: readonly Element[],
    structure: ElementStructure,
    c: number,
    spec: ComponentSpec,
  ): ArrayBatch {
    const b = elements.length;
    const rows = new Array<ReturnType<typeof readRow>>(b);
    for (let i = 0; i < b; i++) {
      const row = readRow(
        componentAt(elements[i]!, structure, c),
        spec,
        structure,
        c,
        i,
        this.dynamicPad,
      );
      if (row.tensor) this.#sawTensor = true;
      rows[i] = row;
    }
    const target = isVariable(spec.shape)
      ? maxShape(
          spec.shape,
          rows.map((r) => r.shape),
        )
      : (spec.shape as number[]);
    const size = shapeSize(target);
    const data = allocData(spec.dtype, b * size);
    for (let i = 0; i < b; i++) {
      const row = rows[i]!;
      copyPadded(row.values, row.shape, data, i * size, target);
    }
    return { data, shape: [b, ...target] };
  }

  #error(
    value: unknown,
    spec: ComponentSpec,
    structure: ElementStructure,
    c: number,
    i: number,
  ): InvalidArgumentError {
    return rowError(value, spec, structure, c, i, this.dynamicPad);
  }
}

/**
 * One tensor per batched component; if creating one fails, those created are disposed.
 *
 * @example
 * ```ts
 * const [x] = toTensors([{ data: new Float32Array(4), shape: [2, 2] }], [{ dtype: 'float32', shape: [2] }]);
 * ```
 */
export function toTensors(
  batches: readonly ArrayBatch[],
  specs: readonly ComponentSpec[],
): Tensor[] {
  const tensors: Tensor[] = [];
  try {
    for (let c = 0; c < batches.length; c++) {
      const { data, shape } = batches[c]!;
      tensors.push(tf.tensor(data, shape, specs[c]!.dtype));
    }
  } catch (error) {
    for (const t of tensors) t.dispose();
    throw error;
  }
  return tensors;
}
