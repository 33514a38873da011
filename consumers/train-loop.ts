import { Coordinator } from '../src/coordinator.js';
import { disposeTensorsIn } from '../src/dispose.js';
import { OutOfRangeError } from '../src/errors.js';
import { QueueRunnerRegistry, startQueueRunners } from '../src/registry.js';
import type { Source } from '../src/source.js';
import { invalidArgument, nonNegativeMs } from '../src/validate.js';

/**
 * Options of {@link trainLoop}.
 *
 * @example
 * ```ts
 * const options: TrainLoopOptions = { coord: new Coordinator() };
 * ```
 */
export interface TrainLoopOptions {
  /** The coordinator to use; a new one by default. */
  readonly coord?: Coordinator | undefined;
  /** The registry whose runners to start. Default: `defaultRegistry`. */
  readonly registry?: QueueRunnerRegistry | undefined;
  /** Join's grace period for threads after the stop. Default 120000. */
  readonly stopGracePeriodMs?: number | undefined;
}

/**
 * The canonical TensorFlow 1 training loop in one call: starts the queue runners, calls
 * `step(batch, index)` for every batch until the end of input, stops the coordinator, joins
 * the threads (re-throwing a stage's failure) and returns the number of steps. Each batch's
 * tensors are disposed after its step. Its arguments are checked before any runner starts.
 *
 * @example
 * ```ts
 * const steps = await trainLoop(batches, async ([x, y]) => {
 *   await model.trainOnBatch(x, y);
 * });
 * ```
 */
export async function trainLoop<B>(
  batches: Source<B>,
  step: (batch: B, index: number) => unknown,
  options: TrainLoopOptions = {},
): Promise<number> {
  // Everything is checked before any runner starts: a bad argument leaves the pipeline as it was.
  const given = batches as Partial<Source<B>> | null;
  if (given === null || typeof given !== 'object' || typeof given.dequeue !== 'function') {
    throw invalidArgument('batches', 'a source (an object with a dequeue() method)', batches);
  }
  if (typeof step !== 'function') throw invalidArgument('step', 'a function', step);
  if (options === null || typeof options !== 'object') {
    throw invalidArgument('options', 'an object', options);
  }
  if (options.coord !== undefined && !(options.coord instanceof Coordinator)) {
    throw invalidArgument('coord', 'a Coordinator', options.coord);
  }
  if (options.registry !== undefined && !(options.registry instanceof QueueRunnerRegistry)) {
    throw invalidArgument('registry', 'a QueueRunnerRegistry', options.registry);
  }
  const stopGracePeriodMs = nonNegativeMs('stopGracePeriodMs', options.stopGracePeriodMs ?? 120000);
  const coord = options.coord ?? new Coordinator();
  const threads = startQueueRunners({ coord, registry: options.registry });
  let steps = 0;
  try {
    while (!coord.shouldStop()) {
      const next = await batches.dequeue({ signal: coord.signal });
      try {
        await step(next, steps);
      } finally {
        disposeTensorsIn(next);
      }
      steps++;
    }
  } catch (error) {
    if (!(error instanceof OutOfRangeError)) coord.requestStop(error);
  } finally {
    coord.requestStop();
  }
  await coord.join(threads, { stopGracePeriodMs });
  return steps;
}
