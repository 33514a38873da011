import type { Element } from '../src/element.js';
import type { Source } from '../src/source.js';
import type { MaybeBatchOptions } from './batch-options.js';
import type { BatchSource } from './batch-source.js';
import type { BatchFor } from './batch-types.js';
import { createBatcher } from './batcher.js';
import { invalidArgument } from '../src/validate.js';

/**
 * Like {@link batch}, but batches only the examples for which `keepInput(element)` is true
 * (TensorFlow's `tf.train.maybe_batch`); the others are dropped, their tensors disposed. With
 * `enqueueMany`, `keepInput` is asked for each example of the split batch.
 *
 * @example
 * ```ts
 * const positives = maybeBatch(examples, { batchSize: 10, keepInput: ([, label]) => label === 1 });
 * ```
 */
export function maybeBatch<E extends Element, O extends MaybeBatchOptions<E>>(
  source: Source<E>,
  options: O,
): BatchSource<BatchFor<E, O>> {
  // Required, as in TensorFlow: without it every example would be batched, silently.
  if (options !== null && typeof options === 'object' && typeof options.keepInput !== 'function') {
    throw invalidArgument('keepInput', 'a function (element) => boolean', options.keepInput);
  }
  return createBatcher<E, BatchFor<E, O>>(
    {
      sources: [source],
      threadsPerSource: options?.numThreads ?? 1,
      options,
      queueKind: { kind: 'fifo' },
      defaultName: 'maybe_batch',
      keepInput: options?.keepInput,
    },
    'source',
  );
}
