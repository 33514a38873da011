import type { Tensor } from '@tensorflow/tfjs';

/**
 * A typed array holding one example's row (flattened) or a batch's data.
 */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray;

/**
 * One component of an element: a number, a string, a typed array (one example's row,
 * flattened) or a `tf.Tensor` (the pipeline takes its data and disposes it once batched).
 */
export type Component = number | string | TypedArray | Tensor;

/** A record element: named components. */
export type ComponentRecord = { readonly [name: string]: Component };

/**
 * What batchers accept: one component, a tuple (array) of components, or a record (plain
 * object) of named components.
 *
 * @example
 * ```ts
 * const e1: Element = 3;
 * const e2: Element = [new Float32Array(784), 7];
 * const e3: Element = { image: new Float32Array(784), label: 7 };
 * ```
 */
export type Element = Component | readonly Component[] | ComponentRecord;

/**
 * One batched component in `{ output: 'arrays' }` mode: the rows' data, row-major, and the
 * batch shape `[b, ...rowShape]`.
 */
export interface ArrayBatch {
  readonly data: TypedArray | string[];
  readonly shape: number[];
}

/** Output mode of a batcher: tensors (default) or typed arrays with shapes. */
export type OutputMode = 'tensor' | 'arrays';

/**
 * The batch type for an element type `E`, each component replaced by `C`
 * (`tf.Tensor` or {@link ArrayBatch}): a tuple stays a tuple of the same length, a record
 * keeps its keys, a bare component becomes a bare `C`.
 *
 * @example
 * ```ts
 * type B = BatchOf<[Float32Array, number], Tensor>; // [Tensor, Tensor]
 * ```
 */
export type BatchOf<E, C> = E extends Component
  ? C
  : E extends readonly Component[]
    ? { -readonly [K in keyof E]: C }
    : { -readonly [K in keyof E]: C };
