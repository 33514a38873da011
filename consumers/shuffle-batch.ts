import type { Element } from '../src/element.js';
import type { Source } from '../src/source.js';
import type { ShuffleBatchOptions } from './batch-options.js';
import type { BatchSource } from './batch-source.js';
import type { BatchFor } from './batch-types.js';
import { createBatcher } from './batcher.js';
import { shuffleKind } from './shuffle-kind.js';

/**
 * Batches the examples of one source in random order (TensorFlow's `tf.train.shuffle_batch`):
 * like {@link batch}, through a `RandomShuffleQueue` that holds `minAfterDequeue` examples back
 * while input lasts, then drains.
 *
 * @example
 * ```ts
 * const batches = shuffleBatch(examples, { batchSize: 100, capacity: 2000, minAfterDequeue: 1000, seed: 1 });
 * ```
 */
export function shuffleBatch<E extends Element, O extends ShuffleBatchOptions>(
  source: Source<E>,
  options: O,
): BatchSource<BatchFor<E, O>> {
  return createBatcher<E, BatchFor<E, O>>(
    {
      sources: [source],
      threadsPerSource: options?.numThreads ?? 1,
      options,
      queueKind: shuffleKind(options),
      defaultName: 'shuffle_batch',
    },
    'source',
  );
}
