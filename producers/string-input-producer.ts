import { invalidArgument } from '../src/validate.js';
import { InvalidArgumentError } from '../src/errors.js';
import { IndexSource } from './index-source.js';
import type { ProducerOptions } from './producer-options.js';

/**
 * Produces strings (typically file names), each epoch in a fresh order when `shuffle` is on
 * (TensorFlow's `string_input_producer`). An empty list is rejected at once, instead of failing
 * later inside a runner as in TensorFlow.
 *
 * @example
 * ```ts
 * const files = stringInputProducer(['a.idx', 'b.idx'], { numEpochs: 1, shuffle: false });
 * const examples = files.map(async (file) => readExample(file));
 * ```
 */
export function stringInputProducer(
  stringTensor: readonly string[],
  options?: ProducerOptions,
): IndexSource<string> {
  const given: unknown = stringTensor;
  if (!Array.isArray(given)) {
    throw invalidArgument('stringTensor', 'an array of strings', stringTensor);
  }
  if (stringTensor.length === 0) {
    throw new InvalidArgumentError(
      'Expected `stringTensor` to hold at least one string, got an empty array',
    );
  }
  const bad = stringTensor.findIndex((s: unknown) => typeof s !== 'string');
  if (bad >= 0) throw invalidArgument(`stringTensor[${bad}]`, 'a string', stringTensor[bad]);
  const strings = [...stringTensor];
  return new IndexSource(strings.length, (i) => strings[i] as string, options, 'input_producer', {
    structure: { kind: 'bare' },
    components: [{ dtype: 'string', shape: [] }],
  });
}
