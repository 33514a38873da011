import type { Random } from '../random.js';
import type { QueueStorage } from './storage.js';

/**
 * A pool from which each element is drawn uniformly at random (the hole is filled with the
 * last element, as TensorFlow does). While the queue is open, `minAfterDequeue` elements are
 * held back so that what comes out stays well mixed; once closed, the pool drains.
 */
export class ShuffleStorage<T> implements QueueStorage<T> {
  readonly #items: T[] = [];
  readonly #minAfterDequeue: number;
  readonly #random: Random;

  constructor(minAfterDequeue: number, random: Random) {
    this.#minAfterDequeue = minAfterDequeue;
    this.#random = random;
  }

  get size(): number {
    return this.#items.length;
  }

  add(element: T): void {
    this.#items.push(element);
  }

  available(closed: boolean): number {
    const n = this.#items.length;
    return closed ? n : Math.max(0, n - this.#minAfterDequeue);
  }

  take(): T {
    const items = this.#items;
    const j = this.#random.int(items.length);
    const chosen = items[j] as T;
    const last = items.pop() as T;
    if (j < items.length) items[j] = last;
    return chosen;
  }

  restore(elements: readonly T[]): void {
    for (const e of elements) this.#items.push(e);
  }

  clear(): T[] {
    return this.#items.splice(0);
  }
}
