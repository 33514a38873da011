import { OutOfRangeError } from '../src/errors.js';
import { positiveInteger } from '../src/validate.js';

/**
 * A function that returns `value` `numEpochs` times, then throws `OutOfRangeError` (TensorFlow's
 * `limit_epochs`, with the counter inside the function instead of an uninitialised local
 * variable). Without `numEpochs` it returns `value` forever.
 *
 * @example
 * ```ts
 * const next = limitEpochs('x', 2);
 * next(); next(); // 'x', 'x'
 * next(); // throws OutOfRangeError
 * ```
 */
export function limitEpochs<T>(value: T, numEpochs?: number): () => T {
  if (numEpochs === undefined) return () => value;
  const limit = positiveInteger('numEpochs', numEpochs);
  let epochs = 0;
  return () => {
    if (epochs >= limit) {
      throw new OutOfRangeError(`Reached the limit of ${limit} epochs`);
    }
    epochs++;
    return value;
  };
}
