/**
 * Options every blocking operation accepts.
 *
 * @example
 * ```ts
 * await queue.dequeue({ timeoutMs: 1000, signal: coord.signal });
 * ```
 */
export interface BlockingOptions {
  /** An aborted signal rejects the operation with `CancelledError` (reason as `cause`). */
  readonly signal?: AbortSignal | undefined;
  /** Past this many milliseconds the operation rejects with `DeadlineExceededError`. */
  readonly timeoutMs?: number | undefined;
}

/**
 * A named async task that a {@link Coordinator} can join. `done` never rejects: a thread's
 * errors go to its coordinator (or to its runner's `exceptionsRaised`).
 *
 * @example
 * ```ts
 * const t: Thread = { name: 'reader', done: work(), isAlive: () => alive };
 * coord.registerThread(t);
 * ```
 */
export interface Thread {
  readonly name: string;
  readonly done: Promise<void>;
  isAlive(): boolean;
}
