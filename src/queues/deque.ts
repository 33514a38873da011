/**
 * A growable ring buffer: O(1) push and shift at both ends. The FIFO queues' storage; it only
 * grows past the queue's capacity when a timed-out or closed `dequeueMany` puts its partial
 * batch back.
 */
export class Deque<T> {
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(initialCapacity = 16) {
    const n = Number.isInteger(initialCapacity) ? Math.max(2, initialCapacity) : 16;
    this.#items = new Array<T | undefined>(n);
  }

  get size(): number {
    return this.#size;
  }

  pushBack(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    this.#size++;
  }

  pushFront(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#head = (this.#head - 1 + this.#items.length) % this.#items.length;
    this.#items[this.#head] = item;
    this.#size++;
  }

  /** Removes the first item; the caller checks `size` first. */
  shift(): T {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined; // let the element be collected
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    return item;
  }

  /** Removes and returns every item in order. */
  drain(): T[] {
    const out = new Array<T>(this.#size);
    for (let i = 0; i < out.length; i++) out[i] = this.shift();
    this.#head = 0;
    return out;
  }

  #grow(): void {
    const old = this.#items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) % old.length];
    this.#items = next;
    this.#head = 0;
  }
}
