import type { OutputMode } from '../src/element.js';
import type { Shapes } from '../src/element-spec.js';
import type { QueueRunnerRegistry } from '../src/registry.js';

/**
 * Options of {@link batch} and {@link batchJoin}, with TensorFlow's defaults.
 *
 * @example
 * ```ts
 * const options: BatchOptions = { batchSize: 100, numThreads: 2, allowSmallerFinalBatch: true, stepTimeoutMs: 60000 };
 * ```
 */
export interface BatchOptions {
  /** Examples per batch (a positive integer). */
  readonly batchSize: number;
  /** Concurrent runner tasks reading the source (and running its `map`). Default 1. */
  readonly numThreads?: number | undefined;
  /** Examples the batch queue holds. Default 32. */
  readonly capacity?: number | undefined;
  /** Each source element is already a batch of examples along its first dimension. Default false. */
  readonly enqueueMany?: boolean | undefined;
  /** Row shapes per component (see `Shapes`), when the data cannot tell them. */
  readonly shapes?: Shapes | undefined;
  /** Pad variable dimensions to the largest in each batch (0 for numbers, '' for strings). Default false. */
  readonly dynamicPad?: boolean | undefined;
  /** Give the last 1..batchSize-1 examples as a smaller batch instead of dropping them. Default false. */
  readonly allowSmallerFinalBatch?: boolean | undefined;
  /** `tensor` (default): a `tf.Tensor` per component; `arrays`: `{ data, shape }` and no tfjs. */
  readonly output?: OutputMode | undefined;
  /** The batch queue's name (runner thread names, messages). */
  readonly name?: string | undefined;
  /** Where the batcher's runner registers. Default: `defaultRegistry`. */
  readonly registry?: QueueRunnerRegistry | undefined;
  /** How long a dequeue waits for the runners to be started before `FailedPreconditionError`. Default 5000. */
  readonly startTimeoutMs?: number | undefined;
  /**
   * Fails the stage with `DeadlineExceededError` when one runner step (taking the next
   * examples from the source, including its `map`, then enqueueing them) takes longer than
   * this many milliseconds: a hung read or `map` ends the pipeline (consumers get
   * `OutOfRangeError` with it as `cause`, `coord.join` re-throws it) instead of stalling it.
   * Time spent waiting for room in the batch queue (a slow consumer) does not count. A
   * positive finite number; default: no limit.
   */
  readonly stepTimeoutMs?: number | undefined;
}

/**
 * Options of {@link shuffleBatch} and {@link shuffleBatchJoin}: a random shuffle queue instead
 * of a FIFO one. As in TensorFlow, `minAfterDequeue` is required; a good `capacity` is
 * `minAfterDequeue + (numThreads + a small margin) * batchSize`.
 *
 * @example
 * ```ts
 * const options: ShuffleBatchOptions = { batchSize: 100, capacity: 2000, minAfterDequeue: 1000, seed: 7 };
 * ```
 */
export interface ShuffleBatchOptions extends Omit<BatchOptions, 'dynamicPad'> {
  /** Examples held back while input lasts, for mixing: `0 <= minAfterDequeue < capacity`. */
  readonly minAfterDequeue: number;
  /** Seed of the shuffle. Default: nondeterministic. */
  readonly seed?: number | undefined;
}

/**
 * Options of {@link maybeBatch}: a `keepInput` predicate chooses which examples are batched.
 *
 * @example
 * ```ts
 * const options: MaybeBatchOptions<[Float32Array, number]> = { batchSize: 10, keepInput: ([, y]) => y !== 0 };
 * ```
 */
export interface MaybeBatchOptions<E> extends BatchOptions {
  /** True to batch the example, false to drop it (dropped tensors are disposed). */
  readonly keepInput: (element: E) => boolean;
}
