import type { QueueRunnerRegistry } from '../src/registry.js';

/**
 * Options every producer takes, with TensorFlow's defaults.
 *
 * @example
 * ```ts
 * const options: ProducerOptions = { numEpochs: 20, shuffle: true, seed: 7, capacity: 32 };
 * ```
 */
export interface ProducerOptions {
  /** Epochs to produce, then end of input (`OutOfRangeError`). Default: forever. */
  readonly numEpochs?: number | undefined;
  /** A fresh random permutation every epoch (epochs never mixed). Default true. */
  readonly shuffle?: boolean | undefined;
  /** Seed of the permutations: the same seed gives the same order. Default: nondeterministic. */
  readonly seed?: number | undefined;
  /** How many examples the producer's queue holds ahead of its consumer. Default 32. */
  readonly capacity?: number | undefined;
  /** The producer's queue name (runner thread names and messages). */
  readonly name?: string | undefined;
  /** Where the producer's runner registers. Default: `defaultRegistry`. */
  readonly registry?: QueueRunnerRegistry | undefined;
  /**
   * How long a dequeue waits for the producer's runner to be started before it fails with
   * `FailedPreconditionError`. Default 5000.
   */
  readonly startTimeoutMs?: number | undefined;
  /**
   * Fails the producer's stage with `DeadlineExceededError` when one step of its runner (making
   * the next epoch's order) takes longer than this many milliseconds. Time spent waiting for
   * room in the producer's queue (a slow consumer) does not count. Work done on the examples
   * (`map`) runs in the consuming batcher's steps: limit it with the batcher's
   * `stepTimeoutMs`. A positive finite number; default: no limit.
   */
  readonly stepTimeoutMs?: number | undefined;
}
