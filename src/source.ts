import { whenAborted } from './abort.js';
import { disposeTensorsIn } from './dispose.js';
import { CancelledError } from './errors.js';
import type { ElementSpec } from './element-spec.js';
import type { BlockingOptions } from './types.js';
import { invalidArgument } from './validate.js';

/**
 * Anything a batcher can read examples from: an object with `dequeue()`, which gives one
 * element and throws `OutOfRangeError` once input has ended. A queue is a source; so is what
 * every producer returns, and so is a user's own object.
 *
 * @example
 * ```ts
 * let i = 0;
 * const counter: Source<number> = {
 *   dequeue: async () => {
 *     if (i === 10) throw new OutOfRangeError('done');
 *     return i++;
 *   },
 * };
 * ```
 */
export interface Source<E> {
  dequeue(options?: BlockingOptions): Promise<E>;
  /**
   * Optional fast path: up to `n` elements at once (at least one; `OutOfRangeError` at the
   * end). Stages use it to move examples in chunks instead of one promise per example.
   */
  dequeueUpTo?(n: number, options?: BlockingOptions): Promise<E[]>;
  /** Optional: the structure, dtypes and row shapes of the elements, when the source knows them. */
  readonly elementSpec?: ElementSpec | undefined;
}

/** A per-example function for {@link SourceBase.map}: sync or async. */
export type MapFn<E, R> = (element: E) => R | Promise<R>;

/**
 * The base of the sources the pipeline returns: `dequeue`, the chunked `dequeueUpTo`, and
 * `map` for per-example work.
 *
 * @example
 * ```ts
 * const images = sliceInputProducer([x, y]).map(([img, label]) => [normalise(img), label]);
 * ```
 */
export abstract class SourceBase<E> implements Source<E> {
  /** Gives one element; throws `OutOfRangeError` at the end of input. */
  abstract dequeue(options?: BlockingOptions): Promise<E>;

  /** Gives 1..n elements; the default takes one. */
  async dequeueUpTo(n: number, options?: BlockingOptions): Promise<E[]> {
    void n;
    return [await this.dequeue(options)];
  }

  /** The element spec, when known; a `map` forgets it (its function may change the structure). */
  get elementSpec(): ElementSpec | undefined {
    return undefined;
  }

  /**
   * A source whose elements are `fn(element)`. `fn` may be sync or async; it runs inside the
   * consuming stage's tasks (so a batcher's `numThreads` bounds how many run at once), one
   * element after another in each task. Tensors `fn` returns belong to the pipeline.
   *
   * @example
   * ```ts
   * const scaled = rangeInputProducer(10).map((i) => i * 2);
   * ```
   */
  map<R>(fn: MapFn<E, R>): SourceBase<R> {
    return new MappedSource(this, fn);
  }
}

/**
 * The source behind {@link SourceBase.map}. A chunk from upstream is mapped one element after
 * another; if the caller stops waiting (its signal aborts) while a call of `fn` is pending,
 * whatever that call later returns is disposed instead of delivered.
 */
export class MappedSource<E, R> extends SourceBase<R> {
  readonly #upstream: Source<E>;
  readonly #fn: MapFn<E, R>;

  constructor(upstream: Source<E>, fn: MapFn<E, R>) {
    super();
    // Checked here, not at the first element inside a runner.
    if (typeof fn !== 'function') throw invalidArgument('fn', 'a function (element) => value', fn);
    const up = upstream as Partial<Source<E>> | null;
    if (up === null || typeof up !== 'object' || typeof up.dequeue !== 'function') {
      throw invalidArgument('upstream', 'a source (an object with a dequeue() method)', upstream);
    }
    this.#upstream = upstream;
    this.#fn = fn;
  }

  async dequeue(options?: BlockingOptions): Promise<R> {
    const element = await this.#upstream.dequeue(options);
    return this.#apply(element, options);
  }

  override async dequeueUpTo(n: number, options?: BlockingOptions): Promise<R[]> {
    const upstream = this.#upstream;
    const elements =
      upstream.dequeueUpTo === undefined
        ? [await upstream.dequeue(options)]
        : await upstream.dequeueUpTo(n, options);
    const out: R[] = [];
    // The caller stops waiting: the chunk will never be delivered, and the pending call may
    // never settle, so what is mapped already is released now, not when that call returns.
    const signal = options?.signal;
    const release = (): void => disposeTensorsIn(out.splice(0));
    const stopWatching =
      signal === undefined || signal.aborted ? undefined : whenAborted(signal, release);
    try {
      for (let i = 0; i < elements.length; i++) {
        try {
          out.push(await this.#apply(elements[i] as E, options));
        } catch (error) {
          // The chunk is lost with the failure: release what it holds.
          disposeTensorsIn(out.splice(0));
          disposeTensorsIn(elements.slice(i + 1));
          throw error;
        }
      }
    } finally {
      stopWatching?.();
    }
    return out;
  }

  async #apply(element: E, options: BlockingOptions | undefined): Promise<R> {
    const result = await this.#fn(element);
    if (options?.signal?.aborted) {
      disposeTensorsIn(result);
      throw new CancelledError('A map result was discarded: its caller stopped waiting', {
        cause: options.signal.reason,
      });
    }
    return result;
  }
}
