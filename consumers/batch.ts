import type { Element } from '../src/element.js';
import type { Source } from '../src/source.js';
import type { BatchOptions } from './batch-options.js';
import type { BatchSource } from './batch-source.js';
import type { BatchFor } from './batch-types.js';
import { createBatcher } from './batcher.js';

/**
 * Batches the examples of one source (TensorFlow's `tf.train.batch`): `numThreads` runner
 * tasks read the source (and run its `map`) concurrently into a FIFO queue of `capacity`
 * examples; each `dequeue()` of the result gives `batchSize` of them, one `tf.Tensor` per
 * component. With one thread, order is the source's; with more, each example still comes
 * exactly once. At the end of input the last 1..batchSize-1 examples are dropped unless
 * `allowSmallerFinalBatch`.
 *
 * @example
 * ```ts
 * const batches = batch(sliceInputProducer([images, labels], { numEpochs: 1 }), {
 *   batchSize: 100,
 *   numThreads: 2,
 *   allowSmallerFinalBatch: true,
 * });
 * const [x, y] = await batches.dequeue(); // x: [100, 784], y: [100]
 * ```
 */
export function batch<E extends Element, O extends BatchOptions>(
  source: Source<E>,
  options: O,
): BatchSource<BatchFor<E, O>> {
  return createBatcher<E, BatchFor<E, O>>(
    {
      sources: [source],
      threadsPerSource: options?.numThreads ?? 1,
      options,
      queueKind: { kind: 'fifo' },
      defaultName: 'batch',
    },
    'source',
  );
}
