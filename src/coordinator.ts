import { setMaxListeners } from 'node:events';
import { CancelledError, OutOfRangeError, ThreadsStillRunningError } from './errors.js';
import { errorClassList, isInstanceOfAny, type ErrorClass } from './error-classes.js';
import type { Thread } from './types.js';
import { booleanOption, invalidArgument, nonNegativeMs } from './validate.js';

/**
 * Options of the {@link Coordinator} constructor.
 *
 * @example
 * ```ts
 * new Coordinator({ cleanStopErrorTypes: [OutOfRangeError, CancelledError] });
 * ```
 */
export interface CoordinatorOptions {
  /**
   * Errors of these classes passed to `requestStop` count as a clean stop (no error recorded).
   * Default `[OutOfRangeError]`: the end of input is not a failure.
   */
  readonly cleanStopErrorTypes?: readonly ErrorClass[] | undefined;
}

/**
 * Options of {@link Coordinator.join}.
 *
 * @example
 * ```ts
 * await coord.join(threads, { stopGracePeriodMs: 5000, ignoreLiveThreads: false });
 * ```
 */
export interface JoinOptions {
  /** How long threads may keep running once a stop was requested. Default 120000. */
  readonly stopGracePeriodMs?: number | undefined;
  /** Return instead of throwing `ThreadsStillRunningError` past the grace period. */
  readonly ignoreLiveThreads?: boolean | undefined;
}

/** setTimeout fires at once (with a warning) past this delay, so longer waits are capped. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function noop(): void {}

function checkThread(name: string, value: unknown): Thread {
  const t = value as Partial<Thread> | null;
  if (
    t === null ||
    typeof t !== 'object' ||
    typeof t.name !== 'string' ||
    typeof t.isAlive !== 'function' ||
    typeof (t.done as { then?: unknown } | undefined)?.then !== 'function'
  ) {
    throw invalidArgument(name, 'a thread (`{ name, done, isAlive() }`)', value);
  }
  return t as Thread;
}

function newController(): AbortController {
  const controller = new AbortController();
  // Every runner thread and every blocked queue operation listens to this one signal.
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Settles when every thread's `done` has settled (a rejected `done` counts as ended). */
function allEnded(threads: readonly Thread[]): Promise<unknown> {
  return Promise.all(threads.map((t) => t.done.then(noop, noop)));
}

/**
 * Coordinates the termination of a set of threads (runner tasks, loopers, the training
 * loop), as TensorFlow's `tf.train.Coordinator` does: each of them can request a stop, all of
 * them check `shouldStop()` (or listen to `signal`), and `join` waits for them and re-throws
 * the first error reported.
 *
 * @example
 * ```ts
 * const coord = new Coordinator();
 * const threads = startQueueRunners({ coord });
 * try {
 *   while (!coord.shouldStop()) await trainStep(await batches.dequeue());
 * } catch (e) {
 *   if (!(e instanceof OutOfRangeError)) throw e;
 * } finally {
 *   coord.requestStop();
 * }
 * await coord.join(threads);
 * ```
 */
export class Coordinator {
  readonly #cleanStopErrorTypes: readonly ErrorClass[];
  readonly #threads = new Set<Thread>();
  #controller = newController();
  #stopped = false;
  #joined = false;
  #hasError = false;
  #error: unknown = undefined;

  /**
   * @param options `{ cleanStopErrorTypes }`: error classes that count as a clean stop
   * (default `[OutOfRangeError]`).
   *
   * @example
   * ```ts
   * const coord = new Coordinator({ cleanStopErrorTypes: [RangeError] });
   * ```
   */
  constructor(options: CoordinatorOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument('options', 'an object', options);
    }
    this.#cleanStopErrorTypes = errorClassList(
      'cleanStopErrorTypes',
      options.cleanStopErrorTypes ?? [OutOfRangeError],
    );
  }

  /**
   * True once a stop was requested (and until `clearStop`).
   *
   * @example
   * ```ts
   * while (!coord.shouldStop()) await step();
   * ```
   */
  shouldStop(): boolean {
    return this.#stopped;
  }

  /**
   * Requests a stop, optionally reporting why. An error of one of `cleanStopErrorTypes` (or
   * no error) is a clean stop. Only the first other error is recorded, and only if no stop
   * was requested before it: an error that arrives after the stop is a consequence of the
   * stop and is ignored, as in TensorFlow. Once `join` has completed, a reported error is
   * thrown back at once (the stop is still set). Calling it again is harmless.
   *
   * @example
   * ```ts
   * coord.requestStop(); // clean
   * coord.requestStop(new Error('bad record')); // ignored: a stop was already requested
   * ```
   */
  requestStop(error?: unknown): void {
    const failure = error !== undefined && !isInstanceOfAny(error, this.#cleanStopErrorTypes);
    if (!this.#stopped) {
      if (failure && !this.#joined) {
        this.#hasError = true;
        this.#error = error;
      }
      this.#stopped = true;
      // Listeners read `error` while they run, so it is recorded before the abort.
      this.#controller.abort(
        this.#hasError ? this.#error : new CancelledError('Coordinator stop requested'),
      );
    }
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the reported value itself, whatever it is
    if (failure && this.#joined) throw error;
  }

  /**
   * The error recorded by `requestStop`, or `undefined` after a clean stop (or no stop).
   *
   * @example
   * ```ts
   * await queue.close({ cancelPendingEnqueues: true, cause: coord.error });
   * ```
   */
  get error(): unknown {
    return this.#error;
  }

  /**
   * Forgets the stop, the recorded error and the completed `join`, so the coordinator can be
   * used again. `signal` is then an unaborted signal.
   *
   * @example
   * ```ts
   * coord.clearStop();
   * coord.shouldStop(); // false
   * ```
   */
  clearStop(): void {
    this.#joined = false;
    this.#hasError = false;
    this.#error = undefined;
    this.#stopped = false;
    // An unaborted signal is kept: listeners already on it must still see the next stop.
    if (this.#controller.signal.aborted) this.#controller = newController();
  }

  /**
   * Resolves `true` once a stop is requested, or `false` if `timeoutMs` passes first (no
   * timeout: waits for the stop).
   *
   * @example
   * ```ts
   * if (!(await coord.waitForStop(1000))) console.log('still running after 1 s');
   * ```
   */
  async waitForStop(timeoutMs?: number): Promise<boolean> {
    if (timeoutMs !== undefined) nonNegativeMs('timeoutMs', timeoutMs);
    if (this.#stopped) return true;
    const signal = this.#controller.signal;
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onStop = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      signal.addEventListener('abort', onStop, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => {
            signal.removeEventListener('abort', onStop);
            resolve(false);
          },
          Math.min(timeoutMs, MAX_TIMER_MS),
        );
      }
    });
  }

  /**
   * Aborted when a stop is requested; its reason is the recorded error, or a
   * `CancelledError('Coordinator stop requested')` for a clean stop. Pass it to blocking
   * operations so that a stop releases them.
   *
   * @example
   * ```ts
   * const element = await queue.dequeue({ signal: coord.signal });
   * ```
   */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * Adds a thread to those `join` waits for.
   *
   * @example
   * ```ts
   * coord.registerThread({ name: 'reader', done: readAll(), isAlive: () => reading });
   * ```
   */
  registerThread(thread: Thread): void {
    this.#threads.add(checkThread('thread', thread));
  }

  /**
   * Runs `fn` (sync or async); whatever it throws is reported with `requestStop` and not
   * re-thrown. The promise rejects only when `requestStop` itself throws (an error reported
   * after `join` completed).
   *
   * @example
   * ```ts
   * await coord.stopOnException(async () => {
   *   for (;;) await queue.enqueue(await readRecord(), { signal: coord.signal });
   * });
   * ```
   */
  async stopOnException(fn: () => unknown): Promise<void> {
    if (typeof fn !== 'function') throw invalidArgument('fn', 'a function', fn);
    try {
      await fn();
    } catch (error) {
      this.requestStop(error);
    }
  }

  /**
   * Throws the recorded error, if any.
   *
   * @example
   * ```ts
   * coord.raiseRequestedException(); // throws the first error reported to requestStop
   * ```
   */
  raiseRequestedException(): void {
    if (this.#hasError) throw this.#error;
  }

  /**
   * Waits for `threads` and the registered threads: until all have ended or a stop is
   * requested, then up to `stopGracePeriodMs` more for those still alive. Then it throws the
   * recorded error (the same object) if there is one; else, if threads are still alive,
   * throws `ThreadsStillRunningError` naming them (unless `ignoreLiveThreads`). Afterwards the
   * registered set is empty and a newly reported error is thrown by `requestStop` at once.
   * If no stop is ever requested and a thread never ends, `join` waits forever, as in
   * TensorFlow.
   *
   * @example
   * ```ts
   * coord.requestStop();
   * await coord.join(threads, { stopGracePeriodMs: 5000 });
   * ```
   */
  async join(threads?: Iterable<Thread>, options: JoinOptions = {}): Promise<void> {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument('options', 'an object', options);
    }
    const grace = nonNegativeMs('stopGracePeriodMs', options.stopGracePeriodMs ?? 120000);
    const ignoreLive = booleanOption('ignoreLiveThreads', options.ignoreLiveThreads ?? false);
    const all = new Set<Thread>();
    if (threads !== undefined) {
      if (
        threads === null ||
        typeof threads !== 'object' ||
        typeof (threads as Partial<Iterable<Thread>>)[Symbol.iterator] !== 'function'
      ) {
        throw invalidArgument('threads', 'an iterable of threads', threads);
      }
      for (const t of threads) all.add(checkThread('threads', t));
    }
    for (const t of this.#threads) all.add(t);
    const list = [...all];
    const alive = (): Thread[] => list.filter((t) => t.isAlive());

    let live = alive();
    if (live.length > 0 && !this.#stopped) await this.#untilStopOr(allEnded(live));
    live = alive();
    if (live.length > 0) await withTimeout(allEnded(live), grace);
    live = alive();

    this.#joined = true;
    this.#threads.clear();
    if (this.#hasError) throw this.#error;
    if (live.length > 0 && !ignoreLive) {
      throw new ThreadsStillRunningError(
        `Coordinator stopped with threads still running: ${live.map((t) => t.name).join(', ')}`,
      );
    }
  }

  /** Settles when `promise` settles or a stop is requested, whichever comes first. */
  #untilStopOr(promise: Promise<unknown>): Promise<void> {
    const signal = this.#controller.signal;
    return new Promise<void>((resolve) => {
      const settle = (): void => {
        signal.removeEventListener('abort', settle);
        resolve();
      };
      signal.addEventListener('abort', settle, { once: true });
      promise.then(settle, settle);
    });
  }
}

/** Settles when `promise` settles or `ms` passes; the timer is always cleared. */
function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.min(ms, MAX_TIMER_MS));
    const settle = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(settle, settle);
  });
}
