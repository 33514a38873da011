import type { Component, Element } from '../src/element.js';
import { IndexSource } from './index-source.js';
import { readColumns, type Columns } from './columns.js';
import type { ProducerOptions } from './producer-options.js';

/**
 * The element type of a producer over columns `C`: a tuple of components for a list of
 * columns, a record of components with the same keys for a record of columns.
 *
 * @example
 * ```ts
 * type E = ElementOfColumns<[Float32Array, Int32Array]>; // [Component, Component]
 * ```
 */
export type ElementOfColumns<C extends Columns> = { -readonly [K in keyof C]: Component };

/**
 * Produces one example at a time from columns that share their first dimension (TensorFlow's
 * `slice_input_producer`): a tuple of rows for a list of columns, a record of rows for a record
 * of columns. Rows stay aligned (one index per example), are numbers or strings for rank-1
 * columns and typed-array views (no copy) otherwise. Each epoch is a fresh permutation when
 * `shuffle` is on. The columns stay the caller's (tensors are read, never disposed).
 *
 * Unlike TensorFlow, columns with different first dimensions are rejected. The element type
 * follows the columns (a tuple or record of components); give it explicitly, e.g.
 * `sliceInputProducer<[Float32Array, number]>(...)`, for precise component types.
 *
 * @example
 * ```ts
 * const examples = sliceInputProducer([images, labels], { numEpochs: 20, seed: 7 });
 * const batches = batch(examples, { batchSize: 100, numThreads: 2 });
 * ```
 */
export function sliceInputProducer<E extends Element = never, const C extends Columns = Columns>(
  tensorList: C,
  options?: ProducerOptions,
): IndexSource<[E] extends [never] ? ElementOfColumns<C> : E> {
  type Out = [E] extends [never] ? ElementOfColumns<C> : E;
  const set = readColumns(tensorList, 'tensorList');
  return new IndexSource(
    set.length,
    (i) => set.element(i) as Out,
    options,
    'slice_input_producer',
    set.spec,
  );
}
