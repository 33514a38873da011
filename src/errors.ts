/**
 * The error classes of the pipeline. Every error the pipeline raises on purpose is a
 * {@link PipelineError}; the subclasses follow TensorFlow's status codes so that code
 * written against `tf.errors` reads the same.
 *
 * @example
 * ```ts
 * try {
 *   await queue.dequeue();
 * } catch (e) {
 *   if (e instanceof OutOfRangeError) console.log('end of input', e.cause);
 * }
 * ```
 */
export class PipelineError extends Error {
  /** @param message what happened. @param options `{ cause }`, as for `Error`. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A dequeue on a queue that is closed and holds too few elements: the normal end of input.
 * When input ended because an upstream stage failed, `cause` is that failure.
 *
 * @example
 * ```ts
 * for (;;) {
 *   try { await q.dequeue(); } catch (e) { if (e instanceof OutOfRangeError) break; throw e; }
 * }
 * ```
 */
export class OutOfRangeError extends PipelineError {}

/**
 * An enqueue on a closed queue, or a pending operation cancelled by
 * `close({ cancelPendingEnqueues: true })`, an `AbortSignal` or a coordinator stop.
 *
 * @example
 * ```ts
 * await q.close();
 * await q.enqueue(1).catch((e) => e instanceof CancelledError); // true
 * ```
 */
export class CancelledError extends PipelineError {}

/**
 * A blocking operation passed its `timeoutMs` (or a stage step passed its `stepTimeoutMs`).
 * The queue stays usable.
 *
 * @example
 * ```ts
 * await q.dequeue({ timeoutMs: 10 }).catch((e) => e instanceof DeadlineExceededError);
 * ```
 */
export class DeadlineExceededError extends PipelineError {}

/**
 * Bad arguments or data. The message names the argument, the expected and the given value.
 *
 * @example
 * ```ts
 * new FIFOQueue({ capacity: 0 }); // InvalidArgumentError: Expected `capacity` to be a positive integer, got `0` (number)
 * ```
 */
export class InvalidArgumentError extends PipelineError {}

/**
 * The pipeline used wrongly, e.g. dequeuing from a queue whose runners were never started.
 *
 * @example
 * ```ts
 * const src = sliceInputProducer([[1, 2, 3]], { startTimeoutMs: 100 });
 * await src.dequeue(); // FailedPreconditionError after 100 ms: no startQueueRunners()
 * ```
 */
export class FailedPreconditionError extends PipelineError {}

/**
 * `Coordinator.join` passed its grace period with threads still alive. The message contains
 * `threads still running` and the threads' names.
 *
 * @example
 * ```ts
 * await coord.join(threads, { stopGracePeriodMs: 10 }); // ThreadsStillRunningError
 * ```
 */
export class ThreadsStillRunningError extends PipelineError {}
