import type { ElementSpec } from '../src/element-spec.js';
import { OutOfRangeError } from '../src/errors.js';
import { FIFOQueue } from '../src/queues/fifo-queue.js';
import { QueueRunner } from '../src/queue-runner.js';
import { Random } from '../src/random.js';
import { addQueueRunner, defaultRegistry } from '../src/registry.js';
import { SourceBase } from '../src/source.js';
import type { BlockingOptions } from '../src/types.js';
import {
  booleanOption,
  integerSeed,
  invalidArgument,
  nonNegativeMs,
  optionalPositiveMs,
  positiveInteger,
} from '../src/validate.js';
import { limitEpochs } from './limit-epochs.js';
import type { ProducerOptions } from './producer-options.js';
import { uniqueName } from '../src/names.js';

/**
 * The engine of every producer (TensorFlow's `range_input_producer` under `input_producer` and
 * `slice_input_producer`): a queue of example indices, fed one epoch at a time by one runner
 * thread (a fresh permutation per epoch, so epochs never mix), and a source that turns each
 * dequeued index into its example. Only indices travel through the queue; examples are built
 * on the consumer's side as views into the columns, so nothing is copied.
 *
 * @example
 * ```ts
 * const source = new IndexSource(3, (i) => ['a', 'b', 'c'][i], { numEpochs: 1 }, 'input_producer');
 * ```
 */
export class IndexSource<E> extends SourceBase<E> {
  readonly #queue: FIFOQueue<number>;
  readonly #elementAt: (index: number) => E;
  readonly #spec: ElementSpec | undefined;
  /** Examples given out so far over all epochs: the stream position of the next one. */
  #taken = 0;

  /**
   * @param count examples per epoch.
   * @param elementAt builds example `i`.
   * @param options the producer's options (validated here, before anything is registered).
   * @param defaultName the base of the queue's default name.
   * @param spec the elements' spec, when the columns tell it.
   */
  constructor(
    count: number,
    elementAt: (index: number) => E,
    options: ProducerOptions | undefined,
    defaultName: string,
    spec?: ElementSpec,
    onCancel?: () => void,
  ) {
    super();
    positiveInteger('count', count);
    if (typeof elementAt !== 'function') {
      throw invalidArgument('elementAt', 'a function (index) => element', elementAt);
    }
    const o: ProducerOptions | null = options === undefined ? {} : options;
    if (o === null || typeof o !== 'object') throw invalidArgument('options', 'an object', o);
    const capacity = positiveInteger('capacity', o.capacity ?? 32);
    const shuffle = booleanOption('shuffle', o.shuffle ?? true);
    if (o.seed !== undefined) integerSeed('seed', o.seed);
    const startTimeoutMs = nonNegativeMs('startTimeoutMs', o.startTimeoutMs ?? 5000);
    const stepTimeoutMs = optionalPositiveMs('stepTimeoutMs', o.stepTimeoutMs);
    const nextEpoch = limitEpochs(count, o.numEpochs);
    const registry = o.registry ?? defaultRegistry;
    const random = shuffle ? new Random(o.seed) : undefined;
    let identity: number[] | undefined;

    this.#elementAt = elementAt;
    this.#spec = spec;
    this.#queue = new FIFOQueue<number>({ capacity, name: o.name ?? uniqueName(defaultName) });
    const queue = this.#queue;
    const runner = new QueueRunner<number>({
      queue,
      startTimeoutMs,
      stepTimeoutMs,
      // A stop or a failure also ends whatever serves this queue's consumers (gather workers).
      ...(onCancel === undefined
        ? {}
        : {
            cancelOp: async (cause: unknown) => {
              try {
                await queue.close({ cancelPendingEnqueues: true, cause });
              } finally {
                onCancel();
              }
            },
          }),
      enqueueOps: [
        async ({ signal, untimed }) => {
          const n = nextEpoch();
          // Plain arrays built by loops: \`Array.from\` costs several ms per 60 000 indices.
          const order =
            random === undefined ? (identity ??= indexRange(count)) : random.shuffle(indexRange(n));
          await untimed(queue.enqueueMany(order, { signal }));
        },
      ],
    });
    addQueueRunner(runner, registry);
  }

  /** The queue of indices (its name is the producer's name). */
  get queue(): FIFOQueue<number> {
    return this.#queue;
  }

  override get elementSpec(): ElementSpec | undefined {
    return this.#spec;
  }

  /**
   * Gives the next example; `OutOfRangeError` once every epoch has been given out.
   *
   * @example
   * ```ts
   * const [image, label] = await source.dequeue();
   * ```
   */
  async dequeue(options?: BlockingOptions): Promise<E> {
    const index = await this.#queue.dequeue(options);
    this.#taken++;
    return this.#elementAt(index);
  }

  /**
   * Gives the next 1..n examples in one call (fewer when fewer are ready).
   *
   * @example
   * ```ts
   * const examples = await source.dequeueUpTo(100);
   * ```
   */
  override async dequeueUpTo(n: number, options?: BlockingOptions): Promise<E[]> {
    const { indices } = await this.takeIndices(n, false, options);
    const out = new Array<E>(indices.length);
    for (let i = 0; i < indices.length; i++) out[i] = this.#elementAt(indices[i] as number);
    return out;
  }

  /**
   * Takes the next indices: with `exact`, `n` of them atomically (fewer only for the
   * remainder once the queue is closed); otherwise 1..n, whatever is ready now, waiting only
   * when nothing is. `first` is the stream position of `indices[0]`: how many examples were
   * given out before it, over all epochs (takes settle in call order).
   *
   * @example
   * ```ts
   * const { indices, first } = await this.takeIndices(100, true, { signal });
   * ```
   */
  protected async takeIndices(
    n: number,
    exact: boolean,
    options?: BlockingOptions,
  ): Promise<{ indices: number[]; first: number }> {
    const queue = this.#queue;
    let indices: number[];
    if (exact) {
      try {
        indices = await queue.dequeueMany(n, options);
      } catch (error) {
        // Closed with fewer than n left: the remainder (or `OutOfRangeError` if none).
        if (!(error instanceof OutOfRangeError && queue.isClosed)) throw error;
        indices = await queue.dequeueUpTo(n, options);
      }
    } else {
      // Take what is there now, without waiting for a full n, so a fast consumer is never held
      // back by a slow epoch refill; wait only when nothing is there.
      const ready = Math.min(n, queue.size);
      indices = await (ready > 0
        ? queue.dequeueMany(ready, options)
        : queue.dequeueUpTo(1, options));
    }
    const first = this.#taken;
    this.#taken += indices.length;
    return { indices, first };
  }
}

/** `[0, 1, ..., n - 1]`. */
function indexRange(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
