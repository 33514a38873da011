import type * as tfjs from '@tensorflow/tfjs';
import type { Source } from '../src/source.js';
import { OutOfRangeError } from '../src/errors.js';
import { tf } from '../src/tf.js';
import { invalidArgument } from '../src/validate.js';

/**
 * A `tf.data.Dataset` over a source, for `model.fitDataset`. The dataset reads the one live
 * pipeline: each `iterator()` continues where the last stopped and ends at the source's
 * `OutOfRangeError`. So either let the producer count epochs (`numEpochs`) and call
 * `fitDataset(ds, { epochs: 1 })`, or give `batchesPerEpoch`. For `fitDataset`, batch a
 * record with keys `xs` and `ys`.
 *
 * @example
 * ```ts
 * const examples = sliceInputProducer({ xs: images, ys: labels }, { numEpochs: 5 });
 * const ds = toDataset(batch(examples, { batchSize: 100, allowSmallerFinalBatch: true }));
 * const threads = startQueueRunners({ coord });
 * await model.fitDataset(ds, { epochs: 1 });
 * ```
 */
export function toDataset<T extends tfjs.TensorContainer>(source: Source<T>): tfjs.data.Dataset<T> {
  // Checked now: the dataset would otherwise fail only when `fitDataset` first reads it.
  const given = source as Partial<Source<T>> | null;
  if (given === null || typeof given !== 'object' || typeof given.dequeue !== 'function') {
    throw invalidArgument('source', 'a source (an object with a dequeue() method)', source);
  }
  return tf.data.generator(async function* () {
    for (;;) {
      let next: T;
      try {
        next = await source.dequeue();
      } catch (error) {
        if (error instanceof OutOfRangeError) return;
        throw error;
      }
      yield next;
    }
  });
}
