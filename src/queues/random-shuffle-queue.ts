import { Random } from '../random.js';
import { invalidArgument, nonNegativeInteger } from '../validate.js';
import { QueueBase, type QueueOptions } from './queue-base.js';
import { ShuffleStorage } from './shuffle-storage.js';

/**
 * Options of {@link RandomShuffleQueue}.
 *
 * @example
 * ```ts
 * const options: RandomShuffleQueueOptions = { capacity: 1000, minAfterDequeue: 500, seed: 7 };
 * ```
 */
export interface RandomShuffleQueueOptions extends QueueOptions {
  /** Elements held back while open so that output stays mixed: `0 <= minAfterDequeue < capacity`. Default 0. */
  readonly minAfterDequeue?: number | undefined;
  /** Seed of the draw order; the same seed gives the same order. Default: nondeterministic. */
  readonly seed?: number | undefined;
}

/**
 * A bounded queue that gives out a uniformly random stored element, with TensorFlow's
 * `RandomShuffleQueue` semantics: while open, a dequeue takes an element only while
 * `size > minAfterDequeue`; once closed, the queue drains completely.
 *
 * @example
 * ```ts
 * const q = new RandomShuffleQueue<number>({ capacity: 10, minAfterDequeue: 2, seed: 1 });
 * await q.enqueueMany([1, 2, 3, 4]);
 * await q.dequeueMany(2); // two of the four, in a seeded random order
 * ```
 */
export class RandomShuffleQueue<T> extends QueueBase<T> {
  protected readonly kind: string = 'RandomShuffleQueue';
  readonly #minAfterDequeue: number;

  /** @param options `{ capacity, minAfterDequeue?, seed?, name? }` */
  constructor(options: RandomShuffleQueueOptions) {
    const min = nonNegativeInteger('minAfterDequeue', options?.minAfterDequeue ?? 0);
    const random = new Random(options?.seed);
    super(options, 'random_shuffle_queue', new ShuffleStorage<T>(min, random));
    if (min >= this.capacity) {
      throw invalidArgument(
        'minAfterDequeue',
        `less than \`capacity\` (${this.capacity})`,
        options.minAfterDequeue,
      );
    }
    this.#minAfterDequeue = min;
  }

  /** Elements held back while the queue is open. */
  get minAfterDequeue(): number {
    return this.#minAfterDequeue;
  }
}
