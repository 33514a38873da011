import { invalidArgument } from '../validate.js';
import { PriorityStorage } from './priority-storage.js';
import { QueueBase, type QueueOptions } from './queue-base.js';

/** An element of a {@link PriorityQueue}: the priority (an integer) first, then the components. */
export type PriorityElement = readonly [priority: number, ...components: unknown[]];

/**
 * A bounded queue that gives out the element with the smallest priority first (equal
 * priorities in arrival order). Elements are tuples `[priority, ...components]`. Unlike the
 * FIFO queues, `dequeueMany(n)` waits until `n` elements are stored before taking any, so
 * each batch comes out sorted.
 *
 * @example
 * ```ts
 * const q = new PriorityQueue<[number, string]>({ capacity: 10 });
 * await q.enqueueMany([[3, 'c'], [1, 'a'], [2, 'b']]);
 * await q.dequeueMany(3); // [[1, 'a'], [2, 'b'], [3, 'c']]
 * ```
 */
export class PriorityQueue<T extends PriorityElement> extends QueueBase<T> {
  protected readonly kind: string = 'PriorityQueue';

  /** @param options `{ capacity, name? }` */
  constructor(options: QueueOptions) {
    super(options, 'priority_queue', new PriorityStorage<T>());
  }

  protected override check(element: T, label: string): T {
    if (!Array.isArray(element) || element.length === 0) {
      throw invalidArgument(label, 'a tuple [priority, ...components]', element);
    }
    const priority: unknown = element[0];
    if (typeof priority !== 'number' || !Number.isSafeInteger(priority)) {
      throw invalidArgument(`${label}[0] (priority)`, 'an integer', priority);
    }
    return element;
  }

  protected override get allOrNothing(): boolean {
    return true;
  }
}
