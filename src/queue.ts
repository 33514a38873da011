import type { BlockingOptions } from './types.js';

/**
 * Options of {@link Queue.close}.
 *
 * @example
 * ```ts
 * await queue.close({ cancelPendingEnqueues: true });
 * ```
 */
export interface CloseOptions {
  /**
   * Close at once and reject every pending enqueue with `CancelledError`. Without it the close
   * takes effect after the enqueues already pending, as in TensorFlow.
   */
  readonly cancelPendingEnqueues?: boolean | undefined;
  /**
   * Why input ended, when it ended because something failed: every `OutOfRangeError` this
   * queue raises from now on carries it as `cause`.
   */
  readonly cause?: unknown;
}

/**
 * A bounded queue with TensorFlow's semantics. Implemented by `FIFOQueue`,
 * `RandomShuffleQueue`, `PaddingFIFOQueue` and `PriorityQueue`.
 *
 * @example
 * ```ts
 * const q: Queue<number> = new FIFOQueue<number>({ capacity: 2 });
 * await q.enqueue(1);
 * await q.dequeue(); // 1
 * ```
 */
export interface Queue<T> {
  /** The queue's name, used in error messages and runner thread names. */
  readonly name: string;
  /** The most elements the queue holds. */
  readonly capacity: number;
  /** Elements stored now (not counting those reserved by a half-filled `dequeueMany`). */
  readonly size: number;
  /** True once a close has taken effect. */
  readonly isClosed: boolean;
  /** Appends one element, waiting while the queue is full. */
  enqueue(element: T, options?: BlockingOptions): Promise<void>;
  /** Appends elements in order, as many as fit at a time, waiting for room for the rest. */
  enqueueMany(elements: readonly T[], options?: BlockingOptions): Promise<void>;
  /** Removes one element, waiting while none can be taken. */
  dequeue(options?: BlockingOptions): Promise<T>;
  /** Removes exactly `n` elements, atomically toward other consumers. */
  dequeueMany(n: number, options?: BlockingOptions): Promise<T[]>;
  /** Like `dequeueMany`, but once closed returns the 1..n-1 elements left. */
  dequeueUpTo(n: number, options?: BlockingOptions): Promise<T[]>;
  /** Closes the queue; settles when the close has taken effect. */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * What a `QueueRunner` needs of the queue it feeds, beyond {@link Queue}: a way to say that
 * runners will feed it (so a consumer waiting on a queue whose runners were never started
 * fails with `FailedPreconditionError` instead of hanging), and a way to take back what is
 * left in it at a stop (so tensors left behind can be disposed).
 *
 * @example
 * ```ts
 * const feeder = queue.registerFeeder(5000);
 * feeder.started(); // when the runner's threads start
 * ```
 */
export interface FedQueue<T> extends Queue<T> {
  /**
   * Declares one runner that will feed this queue. Until some declared runner calls
   * `started()`, a dequeue that has waited `startTimeoutMs` rejects with
   * `FailedPreconditionError`.
   */
  registerFeeder(startTimeoutMs: number): { started(): void };
  /** Removes and returns every stored element at once (used at a stop, after a cancelling close). */
  clear(): T[];
}
