import { Deque } from './deque.js';
import type { QueueStorage } from './storage.js';

/** First in, first out; a put-back partial batch returns to the front in its original order. */
export class FifoStorage<T> implements QueueStorage<T> {
  readonly #items: Deque<T>;

  /** @param capacity a size hint (not validated yet: the queue checks it after this). */
  constructor(capacity: number) {
    this.#items = new Deque<T>(typeof capacity === 'number' ? Math.min(capacity, 1024) : 16);
  }

  get size(): number {
    return this.#items.size;
  }

  add(element: T): void {
    this.#items.pushBack(element);
  }

  available(): number {
    return this.#items.size;
  }

  take(): T {
    return this.#items.shift();
  }

  restore(elements: readonly T[]): void {
    for (let i = elements.length - 1; i >= 0; i--) this.#items.pushFront(elements[i] as T);
  }

  clear(): T[] {
    return this.#items.drain();
  }
}
