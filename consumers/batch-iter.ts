import type { Tensor } from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../src/errors.js';
import { allocData } from '../src/padding.js';
import { Random } from '../src/random.js';
import { tf } from '../src/tf.js';
import { booleanOption, invalidArgument, positiveInteger } from '../src/validate.js';
import { ColumnReader, type Column } from '../producers/columns.js';

/**
 * Options of {@link batchIter}.
 *
 * @example
 * ```ts
 * const options: BatchIterOptions = { shuffle: true, seed: 7 };
 * ```
 */
export interface BatchIterOptions {
  /** Visit the examples of each epoch in a fresh random order. Default true. */
  readonly shuffle?: boolean | undefined;
  /** Seed of that order; the same seed gives the same batches. Default: nondeterministic. */
  readonly seed?: number | undefined;
}

/**
 * The plain generator the queue pipeline is measured against: for each of `numEpochs`
 * epochs, a permutation of the examples (or their order, without `shuffle`) cut into full
 * batches of `batchSize` (the tail of each epoch is dropped, as the original Python
 * `batch_iter` did), each yielded as `[x, y]` tensors of shape `[batchSize, ...rowShape]`.
 * Each batch is a fresh buffer filled row by row; the caller disposes the tensors.
 *
 * Arguments are checked at the call, not at the first `next()`.
 *
 * @example
 * ```ts
 * for (const [x, y] of batchIter(images, labels, 100, 20, { seed: 7 })) {
 *   await model.trainOnBatch(x, y);
 *   tf.dispose([x, y]);
 * }
 * ```
 */
export function batchIter(
  features: Column,
  labels: Column,
  batchSize: number,
  numEpochs: number,
  options: BatchIterOptions = {},
): Generator<[Tensor, Tensor], void, undefined> {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument('options', 'an object', options);
  }
  const x = new ColumnReader(features, 'features');
  const y = new ColumnReader(labels, 'labels');
  positiveInteger('batchSize', batchSize);
  positiveInteger('numEpochs', numEpochs);
  const shuffle = booleanOption('shuffle', options.shuffle ?? true);
  const rng = new Random(options.seed);
  if (x.length !== y.length) {
    throw new InvalidArgumentError(
      `Expected \`features\` and \`labels\` to have the same number of examples, ` +
        `got ${x.length} and ${y.length}`,
    );
  }
  if (batchSize > x.length) {
    throw new InvalidArgumentError(
      `Expected \`batchSize\` to be at most the number of examples (${x.length}), got ${batchSize}`,
    );
  }
  return iterate(x, y, batchSize, numEpochs, shuffle ? rng : undefined);
}

function* iterate(
  x: ColumnReader,
  y: ColumnReader,
  batchSize: number,
  numEpochs: number,
  rng: Random | undefined,
): Generator<[Tensor, Tensor], void, undefined> {
  const n = x.length;
  const batches = Math.floor(n / batchSize);
  const xShape = [batchSize, ...x.rowShape];
  const yShape = [batchSize, ...y.rowShape];
  let order: Int32Array | undefined;
  for (let epoch = 0; epoch < numEpochs; epoch++) {
    if (rng !== undefined) order = rng.permutation(n);
    for (let k = 0; k < batches; k++) {
      const xs = allocData(x.dtype, batchSize * x.rowSize);
      const ys = allocData(y.dtype, batchSize * y.rowSize);
      const start = k * batchSize;
      for (let j = 0; j < batchSize; j++) {
        const i = order === undefined ? start + j : order[start + j]!;
        x.copyRow(i, xs, j * x.rowSize);
        y.copyRow(i, ys, j * y.rowSize);
      }
      const xt = tf.tensor(xs, xShape, x.dtype);
      let yt: Tensor;
      try {
        yt = tf.tensor(ys, yShape, y.dtype);
      } catch (error) {
        xt.dispose();
        throw error;
      }
      yield [xt, yt];
    }
  }
}
