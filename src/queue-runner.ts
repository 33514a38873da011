import { setMaxListeners } from 'node:events';
import { Coordinator } from './coordinator.js';
import { disposeTensorsIn } from './dispose.js';
import { DeadlineExceededError, OutOfRangeError } from './errors.js';
import { errorClassList, isInstanceOfAny, type ErrorClass } from './error-classes.js';
import type { FedQueue } from './queue.js';
import type { Thread } from './types.js';
import { invalidArgument, nonNegativeMs } from './validate.js';
import { YieldPoint } from './yield-point.js';

/**
 * One step of a runner thread: typically dequeue upstream, transform, enqueue into the
 * runner's queue. Pass `signal` to every blocking call so that a stop releases it.
 *
 * @example
 * ```ts
 * const op: EnqueueOp = async ({ signal }) => {
 *   const x = await upstream.dequeue({ signal });
 *   await queue.enqueue(x * 2, { signal });
 * };
 * ```
 */
export type EnqueueOp = (context: { readonly signal: AbortSignal }) => Promise<void> | void;

/** Closes or cancels a runner's queue; `cause` is why input ended, if it ended by a failure. */
export type QueueCloseOp = (cause?: unknown) => Promise<void> | void;

/**
 * Options of the {@link QueueRunner} constructor.
 *
 * @example
 * ```ts
 * const options: QueueRunnerOptions<number> = { queue, enqueueOps: [op, op], stepTimeoutMs: 60000 };
 * ```
 */
export interface QueueRunnerOptions<T> {
  /** The queue the ops feed. */
  readonly queue: FedQueue<T>;
  /** One thread per op; the same op may appear several times (several threads). */
  readonly enqueueOps: readonly EnqueueOp[];
  /** Run by the last thread to reach end of input. Default `queue.close({ cause })`. */
  readonly closeOp?: QueueCloseOp | undefined;
  /**
   * Run at a stop (or, without a coordinator, at a failure).
   * Default `queue.close({ cancelPendingEnqueues: true, cause })`.
   */
  readonly cancelOp?: QueueCloseOp | undefined;
  /**
   * Errors of these classes mean a thread's input has ended. Default `[OutOfRangeError]`;
   * add `CancelledError` when an op dequeues from queues that may be cancelled.
   */
  readonly queueClosedErrorTypes?: readonly ErrorClass[] | undefined;
  /**
   * How long a consumer may wait on the queue before the runner is started; past it the
   * consumer gets `FailedPreconditionError` instead of hanging. Default 5000.
   */
  readonly startTimeoutMs?: number | undefined;
  /** A step taking longer than this fails with `DeadlineExceededError`. Default: no limit. */
  readonly stepTimeoutMs?: number | undefined;
  /** Receives what is left in the queue at a stop. Default: disposes the tensors in it. */
  readonly onDiscard?: ((elements: T[]) => void) | undefined;
}

/** One `createThreads` call: its threads share the live count and the stop handling. */
interface Run {
  readonly coord: Coordinator | undefined;
  /** Stops the threads of a run without a coordinator. */
  readonly controller: AbortController | undefined;
  readonly signal: AbortSignal;
  readonly context: { readonly signal: AbortSignal };
  /** Threads that have not ended yet. */
  live: number;
  /** The upstream failure carried by the first end-of-input error, if any. */
  endCause: unknown;
  /** The failure that stopped a run without a coordinator. */
  failure: unknown;
  /** Ends each thread's pending step; called at the stop. */
  readonly abandonSteps: Set<() => void>;
  /** The cancelling close and discard started at the stop. */
  cleanup: Promise<void> | undefined;
}

/** How a step failed; a wrapper, because anything (even `undefined`) can be thrown. */
interface Failure {
  readonly error: unknown;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function causeOf(error: unknown): unknown {
  return error !== null && typeof error === 'object' && 'cause' in error ? error.cause : undefined;
}

function optionalFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw invalidArgument(name, 'a function', value);
  }
  return value;
}

function checkQueue<T>(value: unknown): FedQueue<T> {
  const q = value as Partial<FedQueue<T>> | null;
  if (
    q === null ||
    typeof q !== 'object' ||
    typeof q.name !== 'string' ||
    typeof q.close !== 'function' ||
    typeof q.registerFeeder !== 'function' ||
    typeof q.clear !== 'function'
  ) {
    throw invalidArgument(
      'queue',
      'a queue runners can feed (a FedQueue such as FIFOQueue)',
      value,
    );
  }
  return q as FedQueue<T>;
}

/**
 * Runs enqueue ops in concurrent threads to fill a queue, as TensorFlow's `QueueRunner`
 * does. Each thread repeats its op until the coordinator stops or the op throws:
 *
 * - an error of `queueClosedErrorTypes` (end of input) ends that thread; the last thread to
 *   end this way runs `closeOp`, so consumers drain the queue and then get `OutOfRangeError`
 *   (with the upstream failure as `cause`, if input ended because of one);
 * - any other error goes to `coord.requestStop`; the stop aborts every pending step at once,
 *   runs `cancelOp` and discards (disposes) what is left in the queue;
 * - without a coordinator, the error is kept in `exceptionsRaised`, the sibling threads stop
 *   and the queue is cancelled, so consumers get `OutOfRangeError` with the error as `cause`
 *   instead of waiting for ever.
 *
 * @example
 * ```ts
 * const q = new FIFOQueue<number>({ capacity: 32, name: 'squares' });
 * const runner = new QueueRunner({
 *   queue: q,
 *   enqueueOps: [async ({ signal }) => q.enqueue((await source.dequeue({ signal })) ** 2, { signal })],
 * });
 * const coord = new Coordinator();
 * const threads = runner.createThreads(coord);
 * ```
 */
export class QueueRunner<T> {
  readonly #queue: FedQueue<T>;
  readonly #enqueueOps: readonly EnqueueOp[];
  readonly #closeOp: QueueCloseOp;
  readonly #cancelOp: QueueCloseOp;
  readonly #queueClosedErrorTypes: readonly ErrorClass[];
  readonly #stepTimeoutMs: number | undefined;
  readonly #onDiscard: (elements: T[]) => void;
  readonly #feeder: { started(): void };
  #threads: readonly Thread[] = [];
  #exceptions: unknown[] = [];
  #stopListener: { readonly signal: AbortSignal; readonly listener: () => void } | undefined;

  /**
   * @param options `{ queue, enqueueOps, closeOp?, cancelOp?, queueClosedErrorTypes?,
   * startTimeoutMs?, stepTimeoutMs?, onDiscard? }`.
   *
   * @example
   * ```ts
   * new QueueRunner({ queue, enqueueOps: [op], queueClosedErrorTypes: [OutOfRangeError, CancelledError] });
   * ```
   */
  constructor(options: QueueRunnerOptions<T>) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument('options', 'an object with `queue` and `enqueueOps`', options);
    }
    const queue = checkQueue<T>(options.queue);
    const ops: unknown = options.enqueueOps;
    if (!Array.isArray(ops) || ops.length === 0 || !ops.every((op) => typeof op === 'function')) {
      throw invalidArgument('enqueueOps', 'a non-empty array of functions', ops);
    }
    const closeOp = optionalFunction('closeOp', options.closeOp);
    const cancelOp = optionalFunction('cancelOp', options.cancelOp);
    const onDiscard = optionalFunction('onDiscard', options.onDiscard);
    this.#queueClosedErrorTypes = errorClassList(
      'queueClosedErrorTypes',
      options.queueClosedErrorTypes ?? [OutOfRangeError],
    );
    const startTimeoutMs = nonNegativeMs('startTimeoutMs', options.startTimeoutMs ?? 5000);
    const stepTimeoutMs = options.stepTimeoutMs;
    if (
      stepTimeoutMs !== undefined &&
      (typeof stepTimeoutMs !== 'number' || !Number.isFinite(stepTimeoutMs) || stepTimeoutMs <= 0)
    ) {
      throw invalidArgument('stepTimeoutMs', 'a finite number of milliseconds > 0', stepTimeoutMs);
    }
    this.#queue = queue;
    this.#enqueueOps = Object.freeze([...(ops as EnqueueOp[])]);
    this.#closeOp = closeOp ?? ((cause) => queue.close({ cause }));
    this.#cancelOp = cancelOp ?? ((cause) => queue.close({ cancelPendingEnqueues: true, cause }));
    this.#stepTimeoutMs = stepTimeoutMs;
    this.#onDiscard = onDiscard ?? ((elements) => disposeTensorsIn(elements));
    this.#feeder = queue.registerFeeder(startTimeoutMs);
  }

  /**
   * The queue this runner feeds.
   *
   * @example
   * ```ts
   * await runner.queue.dequeue();
   * ```
   */
  get queue(): FedQueue<T> {
    return this.#queue;
  }

  /**
   * The queue's name.
   *
   * @example
   * ```ts
   * runner.name; // 'fifo_queue'
   * ```
   */
  get name(): string {
    return this.#queue.name;
  }

  /**
   * Errors raised by the ops of threads created without a coordinator, or reported after
   * their coordinator was joined (reset by each `createThreads`).
   *
   * @example
   * ```ts
   * for (const e of runner.exceptionsRaised) console.error(e);
   * ```
   */
  get exceptionsRaised(): readonly unknown[] {
    return this.#exceptions;
  }

  /**
   * Starts one thread per enqueue op, named `QueueRunnerThread-<queue name>-<i>`, and returns
   * them; with a coordinator, each is registered with it. Returns `[]` while threads from a
   * previous call are still alive. A coordinator already stopped means no op runs, and the
   * queue is cancelled at once.
   *
   * @example
   * ```ts
   * const threads = runner.createThreads(coord);
   * coord.requestStop();
   * await coord.join(threads);
   * ```
   */
  createThreads(coord?: Coordinator): Thread[] {
    if (coord !== undefined && !(coord instanceof Coordinator)) {
      throw invalidArgument('coord', 'a Coordinator', coord);
    }
    if (this.#threads.some((t) => t.isAlive())) return [];
    this.#exceptions = [];
    this.#detachStopListener();

    let controller: AbortController | undefined;
    let signal: AbortSignal;
    if (coord === undefined) {
      controller = new AbortController();
      setMaxListeners(0, controller.signal);
      signal = controller.signal;
    } else {
      signal = coord.signal;
    }
    const run: Run = {
      coord,
      controller,
      signal,
      context: Object.freeze({ signal }),
      live: this.#enqueueOps.length,
      endCause: undefined,
      failure: undefined,
      abandonSteps: new Set(),
      cleanup: undefined,
    };

    const starts: (() => void)[] = [];
    const threads = this.#enqueueOps.map((op, i) => {
      const name = `QueueRunnerThread-${this.name}-${i}`;
      let alive = true;
      let start = (): void => undefined;
      const done = new Promise<void>((resolve) => {
        start = () => {
          const end = (): void => {
            alive = false;
            resolve();
          };
          this.#loop(run, op, name).then(end, end);
        };
      });
      starts.push(start);
      return { name, done, isAlive: () => alive } satisfies Thread;
    });
    this.#threads = threads;
    if (coord !== undefined) for (const t of threads) coord.registerThread(t);
    this.#feeder.started();

    const listener = (): void => this.#onStop(run);
    if (signal.aborted) {
      listener();
    } else {
      signal.addEventListener('abort', listener, { once: true });
      this.#stopListener = { signal, listener };
    }
    for (const start of starts) start();
    return threads;
  }

  /** One thread: repeats its op, then handles why it ended. Never rejects. */
  async #loop(run: Run, op: EnqueueOp, threadName: string): Promise<void> {
    let failure: Failure | undefined;
    const yieldPoint = new YieldPoint();
    while (!run.signal.aborted) {
      failure = await this.#step(run, op, threadName);
      if (failure !== undefined) break;
      const turn = yieldPoint.due();
      if (turn !== undefined) await turn;
    }
    run.live -= 1;
    if (failure !== undefined) {
      if (!isInstanceOfAny(failure.error, this.#queueClosedErrorTypes)) {
        this.#report(run, failure.error);
      } else if (!run.signal.aborted) {
        if (run.endCause === undefined) run.endCause = causeOf(failure.error);
        // Some threads finish early: the queue closes only when the last one reaches the end.
        if (run.live === 0) await this.#close(run);
      }
    }
    if (run.cleanup !== undefined) await run.cleanup;
  }

  /**
   * Runs one step. Resolves with the failure if the op failed before the run stopped;
   * `undefined` if it succeeded, or was abandoned at the stop, or failed after it (such
   * errors are consequences of the stop: cancelled enqueues and the like). A failure is
   * judged when it happens, not when the loop gets to it, so siblings failing together are
   * all reported. The result is always awaited, so threads take turns even with sync ops.
   */
  #step(run: Run, op: EnqueueOp, threadName: string): Promise<Failure | undefined> | undefined {
    let result: unknown;
    try {
      result = op(run.context);
    } catch (error) {
      return run.signal.aborted ? undefined : Promise.resolve({ error });
    }
    if (!isThenable(result)) return undefined;
    return this.#race(run, result, this.#stepTimeoutMs, threadName);
  }

  /**
   * Settles with the outcome of `pending`, or with `undefined` at once at a stop (abandoning
   * `pending`), or with a `DeadlineExceededError` failure after `timeoutMs`. The timer and
   * the stop hook are removed whichever comes first; a late settlement of `pending` is
   * handled and dropped.
   */
  #race(
    run: Run,
    pending: PromiseLike<unknown>,
    timeoutMs: number | undefined,
    threadName: string,
  ): Promise<Failure | undefined> {
    return new Promise<Failure | undefined>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: Failure | undefined): void => {
        run.abandonSteps.delete(abandon);
        if (timer !== undefined) clearTimeout(timer);
        resolve(outcome);
      };
      const abandon = (): void => finish(undefined);
      run.abandonSteps.add(abandon);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const error = new DeadlineExceededError(
            `QueueRunner for queue '${this.name}' (${threadName}): a step took longer than ` +
              `stepTimeoutMs = ${timeoutMs} ms`,
          );
          finish({ error });
        }, timeoutMs);
      }
      Promise.resolve(pending).then(
        () => finish(undefined),
        (error: unknown) => finish(run.signal.aborted ? undefined : { error }),
      );
      // The op itself may have requested the stop before the hook above was in place.
      if (run.signal.aborted) abandon();
    });
  }

  /** Runs `closeOp` once the last thread reached end of input; its errors are ignored. */
  async #close(run: Run): Promise<void> {
    try {
      const result = this.#closeOp(run.endCause);
      if (isThenable(result)) await this.#race(run, result, undefined, '');
    } catch {
      // As in TensorFlow: the queue may already be closed, and nobody waits for this result.
    }
  }

  /** A failure: to the coordinator, or (without one) kept, and the run stopped. */
  #report(run: Run, error: unknown): void {
    if (run.coord !== undefined) {
      try {
        run.coord.requestStop(error);
      } catch {
        // The coordinator was already joined: keep the error where it can still be seen.
        this.#exceptions.push(error);
      }
      return;
    }
    this.#exceptions.push(error);
    if (run.signal.aborted) return;
    run.failure = error;
    run.controller?.abort(error);
  }

  /**
   * At a stop: cancels the queue, discards what is left in it and ends every pending step.
   * Runs inside the abort event, so that the queue is closed and emptied by the time the
   * threads (and `coord.join`) end.
   */
  #onStop(run: Run): void {
    if (this.#stopListener?.signal === run.signal) this.#stopListener = undefined;
    run.cleanup = this.#cancelAndDiscard(run.coord !== undefined ? run.coord.error : run.failure);
    for (const abandon of [...run.abandonSteps]) abandon();
  }

  async #cancelAndDiscard(cause: unknown): Promise<void> {
    try {
      const result = this.#cancelOp(cause);
      // The default cancelling close takes effect at once: discard now, in this event.
      this.#discard();
      if (isThenable(result)) await result;
    } catch {
      // Errors from cancelling are ignored, as in TensorFlow.
    }
    // A custom cancelOp may take effect only when it settles.
    this.#discard();
  }

  #discard(): void {
    const left = this.#queue.clear();
    if (left.length === 0) return;
    try {
      this.#onDiscard(left);
    } catch {
      // Disposal is best effort; the stop must go on.
    }
  }

  #detachStopListener(): void {
    if (this.#stopListener === undefined) return;
    this.#stopListener.signal.removeEventListener('abort', this.#stopListener.listener);
    this.#stopListener = undefined;
  }
}
