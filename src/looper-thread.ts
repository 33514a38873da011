import { Coordinator } from './coordinator.js';
import { FailedPreconditionError } from './errors.js';
import type { Thread } from './types.js';
import { invalidArgument, nonNegativeMs } from './validate.js';
import { YieldPoint } from './yield-point.js';

/**
 * Options of {@link LooperThread}.
 *
 * @example
 * ```ts
 * new LooperThread(coord, 1000, report, { name: 'reporter' });
 * ```
 */
export interface LooperThreadOptions {
  /** The thread's name (in `ThreadsStillRunningError` messages). Default `LooperThread-<n>`. */
  readonly name?: string | undefined;
}

let looperCount = 0;

/**
 * A thread that runs `runLoop` (by default, `target`) over and over until its coordinator
 * stops, as TensorFlow's `LooperThread` does: back to back when `intervalMs` is `null`, else
 * on a fixed schedule every `intervalMs` milliseconds (waiting with `coord.waitForStop`, so a
 * stop ends the wait at once). Whatever the loop throws goes to `coord.requestStop`; `done`
 * never rejects. Subclasses override the `startLoop`, `runLoop` and `stopLoop` hooks.
 *
 * @example
 * ```ts
 * const reporter = LooperThread.loop(coord, 1000, () => console.log(queue.size));
 * // ... later
 * coord.requestStop();
 * await coord.join();
 * ```
 */
export class LooperThread implements Thread {
  /** The thread's name. */
  readonly name: string;
  /** Settles once the started thread has ended; never rejects. */
  readonly done: Promise<void>;
  readonly #coord: Coordinator;
  readonly #intervalMs: number | null;
  readonly #target: (() => unknown) | undefined;
  #resolveDone: () => void = () => undefined;
  #started = false;
  #alive = false;

  /**
   * @param coord the coordinator that stops the loop and receives its errors.
   * @param intervalMs milliseconds between the starts of two runs, or `null` to run back to
   * back.
   * @param target what `runLoop` calls (sync or async).
   * @param options `{ name }`.
   *
   * @example
   * ```ts
   * const t = new LooperThread(coord, null, () => pollOnce());
   * t.start();
   * ```
   */
  constructor(
    coord: Coordinator,
    intervalMs: number | null,
    target?: () => unknown,
    options: LooperThreadOptions = {},
  ) {
    if (!(coord instanceof Coordinator)) throw invalidArgument('coord', 'a Coordinator', coord);
    if (intervalMs !== null) nonNegativeMs('intervalMs', intervalMs);
    if (target !== undefined && typeof target !== 'function') {
      throw invalidArgument('target', 'a function', target);
    }
    if (options === null || typeof options !== 'object') {
      throw invalidArgument('options', 'an object', options);
    }
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw invalidArgument('name', 'a non-empty string', options.name);
    }
    this.#coord = coord;
    this.#intervalMs = intervalMs;
    this.#target = target;
    this.name = options.name ?? `LooperThread-${++looperCount}`;
    this.done = new Promise<void>((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  /**
   * Creates a looper and starts it.
   *
   * @example
   * ```ts
   * const t = LooperThread.loop(coord, 500, () => saveCheckpoint());
   * ```
   */
  static loop(
    coord: Coordinator,
    intervalMs: number | null,
    target: () => unknown,
    options?: LooperThreadOptions,
  ): LooperThread {
    // Required here, as in TensorFlow: a looper started with nothing to run is a mistake.
    if (typeof target !== 'function') throw invalidArgument('target', 'a function', target);
    const thread = new LooperThread(coord, intervalMs, target, options);
    thread.start();
    return thread;
  }

  /**
   * True from `start()` until the loop (and `stopLoop`) has finished.
   *
   * @example
   * ```ts
   * if (t.isAlive()) coord.requestStop();
   * ```
   */
  isAlive(): boolean {
    return this.#alive;
  }

  /**
   * Registers the thread with its coordinator and starts the loop. A thread starts once.
   *
   * @example
   * ```ts
   * new LooperThread(coord, 100, tick).start();
   * ```
   */
  start(): this {
    if (this.#started) {
      throw new FailedPreconditionError(`${this.name} was already started; a thread starts once`);
    }
    this.#started = true;
    this.#alive = true;
    this.#coord.registerThread(this);
    void this.#run();
    return this;
  }

  /**
   * Called once, before the first `runLoop`.
   *
   * @example
   * ```ts
   * protected override startLoop() { this.startedAt = Date.now(); }
   * ```
   */
  protected startLoop(): unknown {
    return undefined;
  }

  /**
   * One run of the loop; by default calls `target`.
   *
   * @example
   * ```ts
   * protected override async runLoop() { await writeSummary(); }
   * ```
   */
  protected runLoop(): unknown {
    return this.#target?.();
  }

  /**
   * Called once after the loop ends because of a stop (not after a failure, as in
   * TensorFlow).
   *
   * @example
   * ```ts
   * protected override stopLoop() { console.log('looper stopped'); }
   * ```
   */
  protected stopLoop(): unknown {
    return undefined;
  }

  async #run(): Promise<void> {
    const coord = this.#coord;
    try {
      await coord.stopOnException(async () => {
        await this.startLoop();
        if (this.#intervalMs === null) {
          const yieldPoint = new YieldPoint();
          while (!coord.shouldStop()) {
            await this.runLoop();
            const turn = yieldPoint.due();
            if (turn !== undefined) await turn;
          }
        } else {
          // A fixed schedule: a slow run shortens the next wait instead of shifting every run.
          let next = performance.now();
          while (!coord.shouldStop()) {
            await this.runLoop();
            next += this.#intervalMs;
            if (await coord.waitForStop(Math.max(0, next - performance.now()))) break;
          }
        }
        await this.stopLoop();
      });
    } catch {
      // requestStop threw: the error arrived after join completed and nobody awaits it now.
    } finally {
      this.#alive = false;
      this.#resolveDone();
    }
  }
}
