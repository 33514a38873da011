import type { Element } from '../src/element.js';
import { IndexSource } from './index-source.js';
import { readColumns, type Columns } from './columns.js';
import type { ProducerOptions } from './producer-options.js';

/**
 * Produces one example at a time from columns that share their first dimension (TensorFlow's
 * `slice_input_producer`): a tuple of rows for a list of columns, a record of rows for a record
 * of columns. Rows stay aligned (one index per example), are numbers or strings for rank-1
 * columns and typed-array views (no copy) otherwise. Each epoch is a fresh permutation when
 * `shuffle` is on. The columns stay the caller's (tensors are read, never disposed).
 *
 * Unlike TensorFlow, columns with different first dimensions are rejected.
 *
 * @example
 * ```ts
 * const examples = sliceInputProducer([images, labels], { numEpochs: 20, seed: 7 });
 * const batches = batch(examples, { batchSize: 100, numThreads: 2 });
 * ```
 */
export function sliceInputProducer<E extends Element = Element>(
  tensorList: Columns,
  options?: ProducerOptions,
): IndexSource<E> {
  const set = readColumns(tensorList, 'tensorList');
  return new IndexSource(
    set.length,
    (i) => set.element(i) as E,
    options,
    'slice_input_producer',
    set.spec,
  );
}
