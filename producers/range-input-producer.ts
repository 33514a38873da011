import { positiveInteger } from '../src/validate.js';
import { IndexSource } from './index-source.js';
import type { ProducerOptions } from './producer-options.js';

/**
 * Produces the integers `0..limit-1`, each epoch in a fresh order when `shuffle` is on
 * (TensorFlow's `range_input_producer`).
 *
 * @example
 * ```ts
 * const ints = rangeInputProducer(5, { numEpochs: 3, shuffle: false });
 * // after startQueueRunners: 0 1 2 3 4 0 1 2 3 4 0 1 2 3 4, then OutOfRangeError
 * ```
 */
export function rangeInputProducer(limit: number, options?: ProducerOptions): IndexSource<number> {
  positiveInteger('limit', limit);
  return new IndexSource(limit, (i) => i, options, 'range_input_producer');
}
