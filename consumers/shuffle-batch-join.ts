import type { Element } from '../src/element.js';
import type { Source } from '../src/source.js';
import type { ShuffleBatchOptions } from './batch-options.js';
import type { BatchSource } from './batch-source.js';
import type { BatchFor } from './batch-types.js';
import { createBatcher } from './batcher.js';
import { joinSources } from './join-sources.js';
import { shuffleKind } from './shuffle-kind.js';

/**
 * Batches examples from several sources in random order, one runner task per source
 * (TensorFlow's `tf.train.shuffle_batch_join`).
 *
 * @example
 * ```ts
 * const batches = shuffleBatchJoin([a, b], { batchSize: 32, capacity: 500, minAfterDequeue: 200 });
 * ```
 */
export function shuffleBatchJoin<E extends Element, O extends ShuffleBatchOptions>(
  sources: readonly Source<E>[],
  options: O,
): BatchSource<BatchFor<E, O>> {
  return createBatcher<E, BatchFor<E, O>>(
    {
      sources: joinSources(sources),
      threadsPerSource: 1,
      options,
      queueKind: shuffleKind(options),
      defaultName: 'shuffle_batch_join',
    },
    'sources',
  );
}
