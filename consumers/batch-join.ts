import type { Element } from '../src/element.js';
import type { Source } from '../src/source.js';
import type { BatchOptions } from './batch-options.js';
import type { BatchSource } from './batch-source.js';
import type { BatchFor } from './batch-types.js';
import { createBatcher } from './batcher.js';
import { joinSources } from './join-sources.js';

/**
 * Batches examples from several sources, one runner task per source (TensorFlow's
 * `tf.train.batch_join`): sources interleave, each keeps its own order. All sources must give
 * elements of the same form (records with the same keys). `numThreads` is ignored: the number
 * of sources is the number of tasks.
 *
 * @example
 * ```ts
 * const batches = batchJoin([readerA, readerB], { batchSize: 32 });
 * ```
 */
export function batchJoin<E extends Element, O extends BatchOptions>(
  sources: readonly Source<E>[],
  options: O,
): BatchSource<BatchFor<E, O>> {
  return createBatcher<E, BatchFor<E, O>>(
    {
      sources: joinSources(sources),
      threadsPerSource: 1,
      options,
      queueKind: { kind: 'fifo' },
      defaultName: 'batch_join',
    },
    'sources',
  );
}
