import { Coordinator } from './coordinator.js';
import { QueueRunner } from './queue-runner.js';
import type { Thread } from './types.js';
import { invalidArgument } from './validate.js';

function checkRunner(value: unknown): QueueRunner<unknown> {
  if (!(value instanceof QueueRunner)) throw invalidArgument('runner', 'a QueueRunner', value);
  return value as QueueRunner<unknown>;
}

function checkRegistry(value: unknown): QueueRunnerRegistry {
  if (!(value instanceof QueueRunnerRegistry)) {
    throw invalidArgument('registry', 'a QueueRunnerRegistry', value);
  }
  return value;
}

/**
 * The queue runners waiting to be started, like TensorFlow's `QUEUE_RUNNERS` collection.
 * Producers and batchers add their runners here; `startQueueRunners` starts them and takes
 * them out, so each pipeline's runners are started once, by the first `startQueueRunners`
 * after they were built.
 *
 * @example
 * ```ts
 * const registry = new QueueRunnerRegistry();
 * const source = sliceInputProducer([xs, ys], { registry });
 * const threads = startQueueRunners({ coord, registry });
 * ```
 */
export class QueueRunnerRegistry {
  readonly #runners: QueueRunner<unknown>[] = [];

  /**
   * Adds a runner (once: adding it again does nothing).
   *
   * @example
   * ```ts
   * registry.addQueueRunner(new QueueRunner({ queue, enqueueOps: [op] }));
   * ```
   */
  addQueueRunner<T>(runner: QueueRunner<T>): void {
    const r = checkRunner(runner);
    if (!this.#runners.includes(r)) this.#runners.push(r);
  }

  /**
   * The runners waiting to be started, in the order they were added.
   *
   * @example
   * ```ts
   * registry.runners.map((r) => r.name); // ['input_producer', 'batch/fifo_queue']
   * ```
   */
  get runners(): readonly QueueRunner<unknown>[] {
    return [...this.#runners];
  }

  /**
   * Removes a runner; returns whether it was there.
   *
   * @example
   * ```ts
   * registry.remove(runner); // true
   * ```
   */
  remove<T>(runner: QueueRunner<T>): boolean {
    const i = this.#runners.indexOf(runner as QueueRunner<unknown>);
    if (i < 0) return false;
    this.#runners.splice(i, 1);
    return true;
  }

  /**
   * Removes every runner.
   *
   * @example
   * ```ts
   * registry.clear();
   * registry.runners.length; // 0
   * ```
   */
  clear(): void {
    this.#runners.length = 0;
  }
}

/**
 * The registry producers, batchers and `startQueueRunners` use unless given `{ registry }`.
 *
 * @example
 * ```ts
 * defaultRegistry.runners.length; // runners built and not started yet
 * ```
 */
export const defaultRegistry = new QueueRunnerRegistry();

/**
 * Adds `runner` to `registry` (default: {@link defaultRegistry}), to be started by
 * `startQueueRunners`.
 *
 * @example
 * ```ts
 * addQueueRunner(new QueueRunner({ queue, enqueueOps: [op, op] }));
 * ```
 */
export function addQueueRunner<T>(
  runner: QueueRunner<T>,
  registry: QueueRunnerRegistry = defaultRegistry,
): void {
  checkRegistry(registry).addQueueRunner(runner);
}

/**
 * Options of {@link startQueueRunners}.
 *
 * @example
 * ```ts
 * startQueueRunners({ coord, registry });
 * ```
 */
export interface StartQueueRunnersOptions {
  /** Receives the threads' errors and stops them; without one, see `QueueRunner`. */
  readonly coord?: Coordinator | undefined;
  /** Where the runners wait. Default {@link defaultRegistry}. */
  readonly registry?: QueueRunnerRegistry | undefined;
}

/**
 * Starts every runner in `registry` (`runner.createThreads(coord)`) and returns all their
 * threads in one list. The started runners are removed from the registry: a registry holds
 * runners waiting to start, so building and starting a second pipeline later does not
 * restart the first one's runners (which may have finished).
 *
 * @example
 * ```ts
 * const coord = new Coordinator();
 * const threads = startQueueRunners({ coord });
 * // ... train ...
 * coord.requestStop();
 * await coord.join(threads);
 * ```
 */
export function startQueueRunners(options: StartQueueRunnersOptions = {}): Thread[] {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument('options', 'an object', options);
  }
  const registry = checkRegistry(options.registry ?? defaultRegistry);
  // Checked here too, so that it is rejected even when there is no runner to start.
  if (options.coord !== undefined && !(options.coord instanceof Coordinator)) {
    throw invalidArgument('coord', 'a Coordinator', options.coord);
  }
  const runners = registry.runners;
  const threads: Thread[] = [];
  for (const runner of runners) {
    threads.push(...runner.createThreads(options.coord));
    registry.remove(runner);
  }
  return threads;
}
