import {
  integerSeed,
  invalidArgument,
  nonNegativeInteger,
  positiveInteger,
} from '../src/validate.js';
import type { ShuffleBatchOptions } from './batch-options.js';
import type { BatchQueueKind } from './batcher.js';

/** The shuffle queue of the shuffle batchers, with TensorFlow's required `minAfterDequeue`. */
export function shuffleKind(options: ShuffleBatchOptions): BatchQueueKind {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument('options', 'an object', options);
  }
  const minAfterDequeue = nonNegativeInteger('minAfterDequeue', options.minAfterDequeue);
  // Checked here first, so that a bad capacity is reported as such and not as a bad
  // `minAfterDequeue` compared with it.
  const capacity = positiveInteger('capacity', options.capacity ?? 32);
  if (minAfterDequeue >= capacity) {
    throw invalidArgument(
      'minAfterDequeue',
      `less than \`capacity\` (${capacity})`,
      minAfterDequeue,
    );
  }
  const seed = options.seed === undefined ? undefined : integerSeed('seed', options.seed);
  return { kind: 'shuffle', minAfterDequeue, seed };
}
