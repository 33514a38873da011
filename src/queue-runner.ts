import { setMaxListeners } from 'node:events';
import { Coordinator } from './coordinator.js';
import { disposeTensorsIn } from './dispose.js';
import { DeadlineExceededError, OutOfRangeError, PipelineError } from './errors.js';
import { errorClassList, isInstanceOfAny, type ErrorClass } from './error-classes.js';
import type { FedQueue } from './queue.js';
import type { Thread } from './types.js';
import { markFailedStage } from './stage.js';
import { invalidArgument, nonNegativeMs, optionalPositiveMs } from './validate.js';
import { YieldPoint } from './yield-point.js';

/**
 * What a runner passes to each call of an {@link EnqueueOp}.
 *
 * @example
 * ```ts
 * const op: EnqueueOp = async ({ signal, untimed }) => {
 *   const x = await upstream.dequeue({ signal }); // counts toward stepTimeoutMs
 *   await untimed(queue.enqueue(x * 2, { signal })); // waiting for room does not
 * };
 * ```
 */
export interface StepContext {
  /** Aborted at a stop: pass it to every blocking call so that the stop releases it. */
  readonly signal: AbortSignal;
  /**
   * Awaits `pending` with the step's `stepTimeoutMs` clock stopped, and gives its outcome.
   * Wrap the enqueue into the runner's own queue in it: time spent waiting for room there is
   * backpressure from a slow consumer, not a stuck step, and must never fail the stage. Without
   * `stepTimeoutMs` it only returns `pending` (as a promise).
   */
  readonly untimed: <R>(pending: PromiseLike<R>) => Promise<R>;
}

/**
 * One step of a runner thread: typically dequeue upstream, transform, enqueue into the
 * runner's queue. Pass `signal` to every blocking call so that a stop releases it, and wrap
 * the enqueue into the runner's queue in `untimed` so that backpressure never counts toward
 * `stepTimeoutMs`.
 *
 * @example
 * ```ts
 * const op: EnqueueOp = async ({ signal, untimed }) => {
 *   const x = await upstream.dequeue({ signal });
 *   await untimed(queue.enqueue(x * 2, { signal }));
 * };
 * ```
 */
export type EnqueueOp = (context: StepContext) => Promise<void> | void;

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
  /**
   * A step taking longer than this many milliseconds fails the stage with
   * `DeadlineExceededError` (naming the queue, the thread and the limit), reported like any
   * other failure. Time the step spends inside `untimed` (waiting for room in the runner's
   * own queue) does not count. A positive finite number; default: no limit.
   */
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

/** `untimed` without a step clock: nothing to stop. */
function passThrough<R>(pending: PromiseLike<R>): Promise<R> {
  return Promise.resolve(pending);
}

/**
 * One thread's step timer for `stepTimeoutMs`: runs while a step runs, stands still while the
 * step waits inside `untimed`, and calls the expiry handler once the step has used up the
 * limit. One timer at a time, cleared at the end of every step.
 */
class StepClock {
  readonly #limitMs: number;
  /** Counts steps, so that a late `untimed` settlement never touches a later step's clock. */
  #step = 0;
  #running = false;
  #remaining = 0;
  #since = 0;
  #paused = 0;
  #timer: NodeJS.Timeout | undefined;
  #onExpire: (() => void) | undefined;

  constructor(limitMs: number) {
    this.#limitMs = limitMs;
  }

  /** Starts the clock for a new step. */
  begin(): void {
    this.#step++;
    this.#running = true;
    this.#remaining = this.#limitMs;
    this.#paused = 0;
    this.#onExpire = undefined;
    this.#arm();
  }

  /** Sets what to do when the running step runs out of time. */
  onExpire(handler: () => void): void {
    this.#onExpire = handler;
  }

  /** Stops the clock: the step ended (or was abandoned). */
  end(): void {
    this.#running = false;
    this.#onExpire = undefined;
    this.#disarm();
  }

  /** The thread's `StepContext.untimed`: stops the clock until `pending` settles. */
  readonly untimed = <R>(pending: PromiseLike<R>): Promise<R> => {
    const settled = Promise.resolve(pending);
    if (!this.#running) return settled;
    const step = this.#step;
    this.#pause();
    return settled.finally(() => {
      if (this.#running && this.#step === step) this.#resume();
    });
  };

  #pause(): void {
    if (this.#paused++ > 0) return;
    this.#disarm();
    this.#remaining -= performance.now() - this.#since;
  }

  #resume(): void {
    if (--this.#paused > 0) return;
    this.#arm();
  }

  #arm(): void {
    this.#since = performance.now();
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#onExpire?.();
      },
      Math.max(0, this.#remaining),
    );
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** One runner thread: its name, its step clock (with `stepTimeoutMs`) and its op context. */
interface ThreadState {
  readonly name: string;
  readonly clock: StepClock | undefined;
  readonly context: StepContext;
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
    const stepTimeoutMs = optionalPositiveMs('stepTimeoutMs', options.stepTimeoutMs);
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
          this.#loop(run, op, this.#threadState(run, name)).then(end, end);
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

  #threadState(run: Run, name: string): ThreadState {
    const limit = this.#stepTimeoutMs;
    const clock = limit === undefined ? undefined : new StepClock(limit);
    const untimed = clock === undefined ? passThrough : clock.untimed;
    return { name, clock, context: Object.freeze({ signal: run.signal, untimed }) };
  }

  /** One thread: repeats its op, then handles why it ended. Never rejects. */
  async #loop(run: Run, op: EnqueueOp, thread: ThreadState): Promise<void> {
    let failure: Failure | undefined;
    const yieldPoint = new YieldPoint();
    while (!run.signal.aborted) {
      failure = await this.#step(run, op, thread);
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
  #step(run: Run, op: EnqueueOp, thread: ThreadState): Promise<Failure | undefined> | undefined {
    const clock = thread.clock;
    // Started before the op runs, so that an `untimed` in its synchronous part stops it.
    clock?.begin();
    let result: unknown;
    try {
      result = op(thread.context);
    } catch (error) {
      clock?.end();
      return run.signal.aborted ? undefined : Promise.resolve({ error });
    }
    if (!isThenable(result)) {
      clock?.end();
      return undefined;
    }
    return this.#race(run, result, clock, thread.name);
  }

  /**
   * Settles with the outcome of `pending`, or with `undefined` at once at a stop (abandoning
   * `pending`), or with a `DeadlineExceededError` failure when `clock` runs out. The clock and
   * the stop hook are stopped whichever comes first; a late settlement of `pending` is
   * handled and dropped.
   */
  #race(
    run: Run,
    pending: PromiseLike<unknown>,
    clock: StepClock | undefined,
    threadName: string,
  ): Promise<Failure | undefined> {
    return new Promise<Failure | undefined>((resolve) => {
      const finish = (outcome: Failure | undefined): void => {
        run.abandonSteps.delete(abandon);
        clock?.end();
        resolve(outcome);
      };
      const abandon = (): void => finish(undefined);
      run.abandonSteps.add(abandon);
      if (clock !== undefined) {
        const limit = this.#stepTimeoutMs;
        clock.onExpire(() => {
          const error = new DeadlineExceededError(
            `QueueRunner for queue '${this.name}' (${threadName}): a step took longer than ` +
              `stepTimeoutMs = ${limit} ms`,
          );
          finish({ error });
        });
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

  /**
   * A failure: marked with this stage's name (see `failedStage`), then to the coordinator, or
   * (without one) kept, and the run stopped. Marked first, so that the cancelling close the
   * stop runs already sees the stage.
   */
  #report(run: Run, thrown: unknown): void {
    // `undefined` (`throw undefined`, a `reject()` without a reason) would reach the
    // coordinator as a clean stop, and the failure would pass for the end of input.
    const error =
      thrown === undefined
        ? new PipelineError(
            `QueueRunner for queue '${this.name}': a step failed with undefined ` +
              '(thrown, or a promise rejected without a reason)',
          )
        : thrown;
    markFailedStage(error, this.name);
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
