import { FifoStorage } from './fifo-storage.js';
import { QueueBase, type QueueOptions } from './queue-base.js';

/**
 * A bounded first-in, first-out queue with TensorFlow's `FIFOQueue` semantics: strict order
 * (also across `enqueue` and `enqueueMany` from one producer), waiters served in arrival
 * order, atomic `dequeueMany`, close ordered behind pending enqueues.
 *
 * @example
 * ```ts
 * const q = new FIFOQueue<number>({ capacity: 10 });
 * await q.enqueueMany([1, 2, 3]);
 * await q.close();
 * await q.dequeueUpTo(5); // [1, 2, 3]
 * ```
 */
export class FIFOQueue<T> extends QueueBase<T> {
  protected readonly kind: string = 'FIFOQueue';

  /** @param options `{ capacity, name? }` */
  constructor(options: QueueOptions) {
    super(options, 'fifo_queue', new FifoStorage<T>(options?.capacity ?? 1));
  }
}
